import { z } from 'zod';
import { ledgerBatchSchema } from '@app/ledger';
import { AUDIT_CSV_COLUMNS, RESULT_CSV_COLUMNS, UNMATCHED_CSV_COLUMNS } from '@app/reconciliation';
import { auditCsvQuery, auditQuery } from '../audit/audit.controller';
import {
  discrepancyIdParams,
  listSchema,
  noteSchema,
} from '../discrepancies/discrepancies.controller';
import {
  accountParams,
  dailyQuery,
  historyQuery,
  resultsCsvQuery,
  resultsQuery,
  runIdParams,
  runListQuery,
} from '../reports/report-params';
import { overviewQuery } from '../reports/ui/report-page.controller';
import { startRunSchema } from '../runs.controller';
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
const PAGE = (description: string) => ({
  200: text('text/html', description),
  ...UNAUTHORIZED,
  ...BAD_INPUT,
});

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
  },
});
registry.registerPath({
  method: 'get',
  path: '/runs',
  tags: ['reports'],
  summary: 'List runs, newest first',
  description:
    'Filter by status and by start: `from` and `to` are ISO 8601 instants with an offset, or calendar days ' +
    '`YYYY-MM-DD` in SCHEDULE_TIMEZONE (`from` inclusive from the start of that day, `to` inclusive to its end).',
  request: { query: runListQuery },
  responses: {
    200: { description: 'One page of runs.', content: json(RunPage) },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
  },
});
registry.registerPath({
  method: 'get',
  path: '/runs/{id}/unmatched.csv',
  tags: ['reports'],
  summary: 'The unmatched items of a run’s explained breaks, as CSV',
  description:
    `Columns: ${UNMATCHED_CSV_COLUMNS.join(', ')}. One row per provider-only event, ledger-only entry and ` +
    'amount difference of every mismatched result explained from the provider’s transaction history; ' +
    '`time` in UTC, `timeJakarta` the same instant as Asia/Jakarta wall-clock time.',
  request: { params: runIdParams },
  responses: {
    200: text('text/csv', 'CSV with a header row.'),
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...NOT_FOUND('run'),
  },
});
registry.registerPath({
  method: 'post',
  path: '/runs/{id}/cancel',
  tags: ['runs'],
  summary: 'Cancel a running run: its pending jobs are removed, its results so far kept',
  request: { params: z.object({ id: z.string().regex(/^\d{1,18}$/) }) },
  responses: {
    200: {
      description: 'Cancelled.',
      content: json(
        z.object({
          runId: z.string(),
          status: z.literal('cancelled'),
          removedJobs: z.number().int(),
          resultsKept: z.number().int(),
        }),
      ),
    },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...NOT_FOUND('run'),
    409: error('The run is not running (finished, failed, cancelled or skipped).'),
  },
});
registry.registerPath({
  method: 'get',
  path: '/runs/{id}',
  tags: ['runs'],
  summary: 'A run’s summary',
  description:
    'Status, counts per status and per provider, total and largest |difference| of mismatches.',
  request: { params: runIdParams },
  responses: {
    200: { description: 'The run.', content: json(RunView) },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...NOT_FOUND('run'),
  },
});
registry.registerPath({
  method: 'get',
  path: '/runs/{id}/report',
  tags: ['runs'],
  summary: 'A run’s whole report',
  description:
    'JSON: the run and every result in one document (use /runs/{id}/results for pages of a large run). ' +
    `CSV (\`?format=csv\`): the same as /runs/{id}/results.csv, streamed; columns ${RESULT_CSV_COLUMNS.join(', ')}.`,
  request: {
    params: runIdParams,
    query: z.object({ format: z.enum(['json', 'csv']).optional() }),
  },
  responses: {
    200: {
      description: 'The run and its results.',
      content: { ...json(RunReport), 'text/csv': { schema: z.string() } },
    },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...NOT_FOUND('run'),
  },
});
registry.registerPath({
  method: 'get',
  path: '/runs/{id}/results',
  tags: ['reports'],
  summary: 'A run’s results, one page',
  description:
    'Sorted by |difference| descending (results without a difference last), then merchant, provider and account number.',
  request: { params: runIdParams, query: resultsQuery },
  responses: {
    200: { description: 'One page of results.', content: json(ResultPage) },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...NOT_FOUND('run'),
  },
});
registry.registerPath({
  method: 'get',
  path: '/runs/{id}/results.csv',
  tags: ['reports'],
  summary: 'A run’s results as CSV, streamed',
  description:
    `Columns: ${RESULT_CSV_COLUMNS.join(', ')}. Streamed in batches (constant memory whatever the run’s size), ` +
    'sorted by |difference| descending, then account. A failure part-way aborts the response.',
  request: { params: runIdParams, query: resultsCsvQuery },
  responses: {
    200: text('text/csv', 'CSV with a header row.'),
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...NOT_FOUND('run'),
  },
});

// Accounts and daily figures
registry.registerPath({
  method: 'get',
  path: '/accounts/{provider}/{accountNo}/history',
  tags: ['reports'],
  summary: 'An account’s results across runs, newest run first',
  description:
    'Each result comes with the ledger entries posted in the in-flight window before its `asOf` ' +
    '(RECON_IN_FLIGHT_WINDOW_SECONDS): money the provider may not have booked yet.',
  request: { params: accountParams, query: historyQuery },
  responses: {
    200: { description: 'The account and its results.', content: json(AccountHistory) },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...NOT_FOUND('account'),
  },
});
registry.registerPath({
  method: 'get',
  path: '/reports/daily',
  tags: ['reports'],
  summary: 'Mismatches per day',
  description:
    'The last `days` calendar days in SCHEDULE_TIMEZONE, today included, oldest first, every day present: ' +
    'runs started, accounts found mismatched (each once) and the sum of their |difference| as the day’s last run found it.',
  request: { query: dailyQuery },
  responses: {
    200: { description: 'One item per day.', content: json(DailyReport) },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
  },
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
    422: error('An entry names an unknown account; nothing stored.'),
    ...JSON_BODY,
  },
});

// Discrepancies
registry.registerPath({
  method: 'get',
  path: '/discrepancies',
  tags: ['discrepancies'],
  summary: 'Discrepancies, most recently seen first (default: open and acknowledged)',
  request: { query: listSchema },
  responses: {
    200: { description: 'One page.', content: json(DiscrepancyPage) },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
  },
});
registry.registerPath({
  method: 'get',
  path: '/discrepancies/{id}',
  tags: ['discrepancies'],
  summary: 'One discrepancy',
  request: { params: discrepancyIdParams },
  responses: {
    200: { description: 'The discrepancy.', content: json(Discrepancy) },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
    ...NOT_FOUND('discrepancy'),
  },
});
for (const action of ['acknowledge', 'resolve'] as const) {
  registry.registerPath({
    method: 'post',
    path: `/discrepancies/{id}/${action}`,
    tags: ['discrepancies'],
    summary:
      action === 'acknowledge'
        ? 'Acknowledge an open discrepancy, with a note (recorded in the audit trail)'
        : 'Resolve an open or acknowledged discrepancy, with a note (audit trail, `discrepancy.resolved` alert)',
    request: { params: discrepancyIdParams, body: { required: true, content: json(noteSchema) } },
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
registry.registerPath({
  method: 'get',
  path: '/audit',
  tags: ['audit'],
  summary: 'The audit trail, newest first',
  request: { query: auditQuery },
  responses: {
    200: { description: 'One page of audit records.', content: json(AuditPage) },
    ...UNAUTHORIZED,
    ...BAD_INPUT,
  },
});
registry.registerPath({
  method: 'get',
  path: '/audit/export.csv',
  tags: ['audit'],
  summary: 'The audit trail as CSV, oldest first, streamed',
  description: `Columns ${AUDIT_CSV_COLUMNS.join(', ')}; before and after are JSON text.`,
  request: { query: auditCsvQuery },
  responses: { 200: text('text/csv', 'CSV with a header row.'), ...UNAUTHORIZED, ...BAD_INPUT },
});

// Operations
registry.registerPath({
  method: 'get',
  path: '/health',
  tags: ['operations'],
  summary: 'Postgres, Redis and queue lag (no credentials needed)',
  security: [],
  responses: {
    200: { description: 'Up.', content: json(Health) },
    503: { description: 'Something is down.', content: json(Health) },
  },
});
registry.registerPath({
  method: 'get',
  path: '/health/live',
  tags: ['operations'],
  summary: 'Liveness probe: the process answers; never looks at a dependency (no credentials)',
  security: [],
  responses: {
    200: { description: 'The process runs.', content: json(z.object({ status: z.literal('ok') })) },
  },
});
registry.registerPath({
  method: 'get',
  path: '/health/ready',
  tags: ['operations'],
  summary: 'Readiness probe: Postgres and Redis answer (no credentials)',
  security: [],
  responses: {
    200: { description: 'Ready.', content: json(Health) },
    503: { description: 'Postgres or Redis does not answer (named).', content: json(Health) },
  },
});
registry.registerPath({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics (queues, alerting gauges)',
  responses: { 200: text('text/plain', 'Prometheus text format.'), ...UNAUTHORIZED },
});

// Pages for people (HTML, no script)
registry.registerPath({
  method: 'get',
  path: '/',
  tags: ['pages'],
  summary:
    'Overview page: the latest run (or `?run=`), accounts needing attention, daily chart, runs',
  request: { query: overviewQuery },
  responses: PAGE('The page.'),
});
registry.registerPath({
  method: 'get',
  path: '/ui/accounts/{provider}/{accountNo}',
  tags: ['pages'],
  summary:
    'Account page: results across runs with the ledger entries in flight, and its audit trail',
  request: { params: accountParams, query: historyQuery },
  responses: { ...PAGE('The page.'), 404: text('text/html', 'No such account (a page).') },
});
registry.registerPath({
  method: 'get',
  path: '/ui/discrepancies',
  tags: ['pages'],
  summary: 'Discrepancies page: acknowledge and resolve, with the audit trail',
  request: {
    query: z.object({ status: z.enum(['active', 'open', 'acknowledged', 'resolved']).optional() }),
  },
  responses: PAGE('The page.'),
});
registry.registerPath({
  method: 'post',
  path: '/ui/discrepancies/{id}/{action}',
  tags: ['pages'],
  summary: 'The discrepancy page’s form post: acknowledge or resolve with a note',
  request: {
    params: discrepancyIdParams.extend({ action: z.enum(['acknowledge', 'resolve']) }),
    body: {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: noteSchema } },
    },
  },
  responses: {
    303: { description: 'Done: back to the page.' },
    ...UNAUTHORIZED,
    400: text('text/plain', 'A bad note.'),
    404: text('text/plain', 'No such discrepancy or action.'),
    409: text('text/plain', 'The discrepancy’s status does not allow this change.'),
  },
});
