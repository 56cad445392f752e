import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ledgerBatchSchema } from '@app/ledger';
import { AUDIT_CSV_COLUMNS, RESULT_CSV_COLUMNS, UNMATCHED_CSV_COLUMNS } from '@app/reconciliation';
import { auditCsvQuery, auditQuery } from '../audit/audit.controller';
import {
  acknowledgeSchema,
  listSchema,
  noteSchema,
} from '../discrepancies/discrepancies.controller';
import {
  accountParams,
  cancelRunParams,
  discrepancyIdParams,
  runIdParams,
} from '../http/route-params';
import {
  dailyQuery,
  historyQuery,
  resultsCsvQuery,
  resultsQuery,
  runListQuery,
} from '../reports/report-params';
import { discrepanciesPageQuery, returnPlace } from '../discrepancies/discrepancies.page';
import { overviewQuery } from '../reports/ui/report-page.controller';
import { startRunSchema } from '../runs/runs.controller';
import { registry } from './registry';
import {
  AccountHistory,
  AuditPage,
  DailyReport,
  Discrepancy,
  DiscrepancyPage,
  ErrorBody,
  Health,
  LedgerBatchStored,
  ResultPage,
  RunPage,
  RunReport,
  RunView,
  StartedRun,
} from './response-schemas';

/**
 * Every route of the producer, documented from the zod schemas its handlers validate with.
 * test/openapi/routes-documented.test.ts fails for a route registered in the app but missing
 * here (or listed here but gone from the app).
 */

const json = (schema: z.ZodTypeAny) => ({ 'application/json': { schema } });
const error = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ErrorBody } },
});
const text = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: z.string() } },
});

const UNAUTHORIZED = {
  401: error('No or wrong credentials (`WWW-Authenticate: Basic`); 429 after too many.'),
  403: error(
    'The role may not do this, or a cross-site write (foreign `Origin` / `Sec-Fetch-Site`).',
  ),
  429: error(
    'Too many failed logins from this client (`AUTH_FAILURES_PER_MINUTE`), or, on an export, more than `MAX_CONCURRENT_EXPORTS` at once.',
  ),
};
const BAD_INPUT = {
  400: error('A bad parameter or body: `errors` names each field with the value received.'),
};
const NOT_FOUND = (what: string) => ({ 404: error(`No such ${what}.`) });
const JSON_BODY = {
  413: error('The body is larger than the limit.'),
  415: error('The body is not `application/json`.'),
};
/** An HTML page's answer. */
const PAGE = text('text/html', 'The page.');
const ok = (description: string, schema: z.ZodTypeAny) => ({ description, content: json(schema) });

/** A GET that reads: its 200, the auth and bad-input answers, and a 404 when it names a thing. */
interface ReadRoute {
  path: string;
  tag: string;
  summary: string;
  description?: string;
  request?: RouteConfig['request'];
  /** The 200 answer. */
  answer: ResponseConfig;
  /** For a route that names a thing: what the 404 says is missing (`run`...), or its answer. */
  notFound?: string | ResponseConfig;
}

/** Registers a {@link ReadRoute}. */
function readRoute(route: ReadRoute): void {
  registry.registerPath({
    method: 'get',
    path: route.path,
    tags: [route.tag],
    summary: route.summary,
    description: route.description,
    request: route.request,
    responses: {
      200: route.answer,
      ...UNAUTHORIZED,
      ...BAD_INPUT,
      ...(typeof route.notFound === 'string' ? NOT_FOUND(route.notFound) : {}),
      ...(typeof route.notFound === 'object' ? { 404: route.notFound } : {}),
    },
  });
}

/** A health probe: no credentials, `ok` when it answers, `down` (503) when it says so. */
function probeRoute(
  path: string,
  summary: string,
  up: ResponseConfig,
  down?: ResponseConfig,
): void {
  registry.registerPath({
    method: 'get',
    path,
    tags: ['operations'],
    summary,
    security: [],
    responses: { 200: up, ...(down ? { 503: down } : {}) },
  });
}

/** Starting or cancelling a run needs the queues' Redis. */
const QUEUES_DOWN = {
  503: error("The queues' Redis does not answer: nothing was started or cancelled; retry later."),
};

// Runs
registry.registerPath({
  method: 'post',
  path: '/runs',
  tags: ['runs'],
  summary: 'Start a run now, optionally for one provider or merchant',
  request: { body: { required: false, content: json(startRunSchema) } },
  responses: {
    202: { description: 'Created and enqueued.', content: json(StartedRun) },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...JSON_BODY,
    ...QUEUES_DOWN,
  },
});
readRoute({
  path: '/runs',
  tag: 'reports',
  summary: 'List runs, newest first',
  description:
    'Filter by status and by start: `from` and `to` are ISO 8601 instants with an offset, or calendar days ' +
    '`YYYY-MM-DD` in SCHEDULE_TIMEZONE (`from` inclusive from the start of that day, `to` inclusive to its end).',
  request: { query: runListQuery },
  answer: ok('One page of runs.', RunPage),
});
readRoute({
  path: '/runs/{id}/unmatched.csv',
  tag: 'reports',
  summary: 'The unmatched items of a run’s explained breaks, as CSV',
  description:
    `Columns: ${UNMATCHED_CSV_COLUMNS.join(', ')}. One row per provider-only event, ledger-only entry and ` +
    'amount difference of every break (mismatched, or inactive with a difference) explained from the provider’s transaction history; ' +
    '`time` in UTC, `timeJakarta` the same instant as Asia/Jakarta wall-clock time.',
  request: { params: runIdParams },
  answer: text('text/csv', 'CSV with a header row.'),
  notFound: 'run',
});
registry.registerPath({
  method: 'post',
  path: '/runs/{id}/cancel',
  tags: ['runs'],
  summary:
    'Cancel a running run: its queued jobs are removed (waiting, delayed or done), its results so far kept (a job in flight finishes; its result is not saved)',
  description:
    'Recorded in the audit trail (`run.cancel`, subject the run): who, in which role, when, and the jobs removed and results kept.',
  request: { params: cancelRunParams },
  responses: {
    200: {
      description: 'Cancelled.',
      content: json(
        z.object({
          runId: z.string(),
          status: z.literal('cancelled'),
          removedJobs: z
            .number()
            .int()
            .describe(
              'The run’s jobs removed from the queues: waiting, delayed (a retry, a re-check) or done (kept by the queue after their result).',
            ),
          resultsKept: z.number().int(),
        }),
      ),
    },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...NOT_FOUND('run'),
    409: error('The run is not running (finished, failed, cancelled or skipped).'),
    ...QUEUES_DOWN,
  },
});
readRoute({
  path: '/runs/{id}',
  tag: 'runs',
  summary: 'A run’s summary',
  description:
    'Status, counts per status and per provider, total and largest |difference| of breaks (mismatched, or inactive with a difference). ' +
    'While the run is running these figures are live, computed from the results stored so far; ' +
    'once it ends, those it finished or was cancelled with.',
  request: { params: runIdParams },
  answer: ok('The run.', RunView),
  notFound: 'run',
});
readRoute({
  path: '/runs/{id}/report',
  tag: 'runs',
  summary: 'A run’s whole report',
  description:
    'JSON: the run and every result in one document (use /runs/{id}/results for pages of a large run). ' +
    `CSV (\`?format=csv\`): the same as /runs/{id}/results.csv, streamed; columns ${RESULT_CSV_COLUMNS.join(', ')}.`,
  request: {
    params: runIdParams,
    query: z.object({ format: z.enum(['json', 'csv']).optional() }),
  },
  answer: {
    description: 'The run and its results.',
    content: { ...json(RunReport), 'text/csv': { schema: z.string() } },
  },
  notFound: 'run',
});
readRoute({
  path: '/runs/{id}/results',
  tag: 'reports',
  summary: 'A run’s results, one page',
  description:
    'Sorted by |difference| descending (results without a difference last), then merchant, provider and account number.',
  request: { params: runIdParams, query: resultsQuery },
  answer: ok('One page of results.', ResultPage),
  notFound: 'run',
});
readRoute({
  path: '/runs/{id}/results.csv',
  tag: 'reports',
  summary: 'A run’s results as CSV, streamed',
  description:
    `Columns: ${RESULT_CSV_COLUMNS.join(', ')}. Streamed in batches (constant memory whatever the run’s size), ` +
    'sorted by |difference| descending, then account. A failure part-way aborts the response.',
  request: { params: runIdParams, query: resultsCsvQuery },
  answer: text('text/csv', 'CSV with a header row.'),
  notFound: 'run',
});

// Accounts and daily figures
readRoute({
  path: '/accounts/{provider}/{accountNo}/history',
  tag: 'reports',
  summary: 'An account’s results across runs, newest run first',
  description:
    'Each result comes with the ledger entries posted in the in-flight window before its `asOf` ' +
    '(RECON_IN_FLIGHT_WINDOW_SECONDS): money the provider may not have booked yet. ' +
    '`?msId=` names a NICEPay seller under the account number (its own account, beside the merchant’s).',
  request: { params: accountParams, query: historyQuery },
  answer: ok('The account and its results.', AccountHistory),
  notFound: 'account',
});
readRoute({
  path: '/reports/daily',
  tag: 'reports',
  summary: 'Breaks per day',
  description:
    'The last `days` calendar days in SCHEDULE_TIMEZONE, today included, oldest first, every day present: ' +
    'runs started, accounts with a break, mismatched or inactive with a difference (each once) and the sum of their |difference| as the day’s last run found it.',
  request: { query: dailyQuery },
  answer: ok('One item per day.', DailyReport),
});

// Ledger
registry.registerPath({
  method: 'post',
  path: '/ledger/entries',
  tags: ['ledger'],
  summary: 'Store a batch of ledger entries, all or nothing',
  description:
    'Idempotent by entry reference: resending a stored batch stores nothing and counts duplicates. ' +
    'Amounts are `-?digits.dd` strings, `postedAt` ISO 8601 with a zone. Every error names the entry’s index, the field and the value.',
  request: { body: { required: true, content: json(ledgerBatchSchema) } },
  responses: {
    200: { description: 'Stored (or already stored).', content: json(LedgerBatchStored) },
    ...UNAUTHORIZED,
    400: error('A malformed entry (`errors`: index, field, value, reason).'),
    409: error(
      'An entry’s reference is already recorded with another amount or time; nothing stored.',
    ),
    422: error(
      'An entry names an unknown account, or its amount would take the account’s running balance beyond ±92233720368547758.07 (`code` `balance_out_of_range`); nothing stored.',
    ),
    ...JSON_BODY,
  },
});

// Discrepancies
readRoute({
  path: '/discrepancies',
  tag: 'discrepancies',
  summary: 'Discrepancies, most recently seen first (default: open and acknowledged)',
  request: { query: listSchema },
  answer: ok('One page.', DiscrepancyPage),
});
readRoute({
  path: '/discrepancies/{id}',
  tag: 'discrepancies',
  summary: 'One discrepancy',
  request: { params: discrepancyIdParams },
  answer: ok('The discrepancy.', Discrepancy),
  notFound: 'discrepancy',
});
for (const action of ['acknowledge', 'resolve'] as const) {
  registry.registerPath({
    method: 'post',
    path: `/discrepancies/{id}/${action}`,
    tags: ['discrepancies'],
    summary:
      action === 'acknowledge'
        ? 'Acknowledge an open discrepancy, with a note (recorded in the audit trail) and the difference you saw (`seenDifference`, else its lastDifference now); a run finding its difference more than RECON_TOLERANCE from the one acknowledged reopens it (`discrepancy.reopened` alert)'
        : 'Resolve an open or acknowledged discrepancy, with a note (audit trail, `discrepancy.resolved` alert)',
    request: {
      params: discrepancyIdParams,
      body: {
        required: true,
        content: json(action === 'acknowledge' ? acknowledgeSchema : noteSchema),
      },
    },
    responses: {
      200: { description: 'The changed discrepancy.', content: json(Discrepancy) },
      ...UNAUTHORIZED,
      ...BAD_INPUT,
      ...NOT_FOUND('discrepancy'),
      409: error('The discrepancy’s status does not allow this change.'),
      ...JSON_BODY,
    },
  });
}

// Audit trail
readRoute({
  path: '/audit',
  tag: 'audit',
  summary: 'The audit trail, newest first',
  request: { query: auditQuery },
  answer: ok('One page of audit records.', AuditPage),
});
readRoute({
  path: '/audit/export.csv',
  tag: 'audit',
  summary: 'The audit trail as CSV, oldest first, streamed',
  description: `Columns ${AUDIT_CSV_COLUMNS.join(', ')}; before and after are JSON text.`,
  request: { query: auditCsvQuery },
  answer: text('text/csv', 'CSV with a header row.'),
});

// Operations
probeRoute(
  '/health',
  'Postgres, Redis and queue lag (no credentials needed)',
  ok('Up.', Health),
  ok('Something is down.', Health),
);
probeRoute(
  '/health/live',
  'Liveness probe: the process answers; never looks at a dependency (no credentials)',
  ok('The process runs.', z.object({ status: z.literal('ok') })),
);
probeRoute(
  '/health/ready',
  'Readiness probe: Postgres and Redis answer (no credentials)',
  ok('Ready.', Health),
  ok('Postgres or Redis does not answer (named).', Health),
);
registry.registerPath({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics (queues, alerting gauges)',
  responses: {
    200: text('text/plain', 'Prometheus text format.'),
    ...BAD_INPUT,
    ...UNAUTHORIZED,
  },
});

// Pages for people (HTML, no script)
readRoute({
  path: '/',
  tag: 'pages',
  summary:
    'Overview page: the latest run (or `?run=`), accounts needing attention, daily chart, runs',
  request: { query: overviewQuery },
  answer: PAGE,
});
readRoute({
  path: '/ui/accounts/{provider}/{accountNo}',
  tag: 'pages',
  summary:
    'Account page: results across runs with the ledger entries in flight, and its audit trail',
  request: { params: accountParams, query: historyQuery },
  answer: PAGE,
  notFound: text('text/html', 'No such account (a page).'),
});
readRoute({
  path: '/ui/discrepancies',
  tag: 'pages',
  summary: 'Discrepancies page: acknowledge and resolve, with the audit trail',
  request: { query: discrepanciesPageQuery },
  answer: PAGE,
});
registry.registerPath({
  method: 'post',
  path: '/ui/discrepancies/{id}/{action}',
  tags: ['pages'],
  summary:
    'The discrepancy page’s form post: acknowledge (with the difference the page showed, `seenDifference`) or resolve, with a note',
  request: {
    params: discrepancyIdParams.extend({ action: z.enum(['acknowledge', 'resolve']) }),
    body: {
      required: true,
      description:
        '`seenDifference` is accepted by `acknowledge` only; `returnStatus` and `returnPage` are the list the form was on, to go back to.',
      content: {
        'application/x-www-form-urlencoded': { schema: acknowledgeSchema.merge(returnPlace) },
      },
    },
  },
  responses: {
    303: { description: 'Done: back to the list page the form was on.' },
    ...UNAUTHORIZED,
    400: text('text/plain', 'A bad note or seenDifference.'),
    404: text('text/plain', 'No such discrepancy or action.'),
    409: text('text/plain', 'The discrepancy’s status does not allow this change.'),
  },
});
