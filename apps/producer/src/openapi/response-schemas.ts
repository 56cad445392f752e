import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_SUBJECTS, RESULT_STATUSES, RUN_STATUSES } from '@app/reconciliation';
import { PROVIDERS } from '@app/snap';
import { registry } from './registry';

/**
 * The producer's answers as zod schemas: registered as OpenAPI components (the document is
 * built from them) and parsed against real answers in test/openapi/routes-documented.test.ts,
 * so the document cannot drift from what the API sends.
 */

const amount = (description: string) =>
  z
    .string()
    .regex(/^-?\d+\.\d{2}$/)
    .describe(`${description} Decimal string of the amount (minor units with two decimals).`)
    .openapi({ example: '10000.00' });
const instant = (description: string) => z.string().datetime().describe(description);
const runStatus = z.enum(RUN_STATUSES);
const trigger = z.enum(['schedule', 'api', 'cli']);

export const StatusCounts = registry.register(
  'StatusCounts',
  z
    .object(Object.fromEntries(RESULT_STATUSES.map((s) => [s, z.number().int()])))
    .describe('Number of results per status.'),
);

export const RunView = registry.register(
  'RunView',
  z.object({
    id: z.string().openapi({ example: '42' }),
    status: runStatus,
    trigger,
    providerFilter: z.string().nullable().describe('Provider the run was limited to.'),
    merchantFilter: z.string().nullable().describe('Merchant the run was limited to.'),
    accountCount: z.number().int(),
    completedCount: z.number().int(),
    startedAt: instant('Start of the run.'),
    finishedAt: instant('End of the run.').nullable(),
    counts: StatusCounts.describe(
      'Number of results per status. A running run’s counts, per-provider counts and break ' +
        'totals are live: computed from the results stored so far, they change until it ends. A ' +
        'finished or cancelled run’s are those it ended with.',
    ),
    byProvider: z
      .record(StatusCounts)
      .describe('Results per provider and status (live while running).'),
    breakCount: z
      .number()
      .int()
      .nullable()
      .describe(
        'Results that are breaks: mismatched, and inactive with a difference (counted as inactive in counts); null for a run ended before this count was recorded (live while running).',
      ),
    totalAbsDifference: amount(
      'Sum of |difference| over the breaks: mismatched results and inactive ones with a difference (so far, while running).',
    ),
    largestAbsDifference: amount('Largest |difference| of a break (so far, while running).'),
  }),
);

const page = <T extends z.ZodTypeAny>(item: T) => ({
  items: z.array(item),
  page: z.number().int().min(1),
  pageSize: z.number().int().min(1),
  total: z.number().int().describe('Items matching the filter, over all pages.'),
});

export const RunPage = registry.register('RunPage', z.object(page(RunView)));

const resultFields = {
  status: z.enum(RESULT_STATUSES),
  providerBalance: amount('Balance the provider reported.').nullable(),
  ledgerBalance: amount('Ledger balance as of `asOf`.').nullable(),
  difference: amount('provider − ledger.').nullable(),
  inFlightAmount: amount('For `timing`: ledger amount the provider had not booked yet.').nullable(),
  currency: z.string().nullable().describe('ISO 4217 code.'),
  responseCode: z.string().nullable().describe('SNAP response code of the last call.'),
  attempts: z.number().int(),
  providerTime: instant('The provider’s own timestamp of the balance.').nullable(),
  asOf: instant(
    'Instant the ledger was read as of (our clock): the provider’s time kept inside the span of the request (a clock behind ours: when the request left; ahead: when the answer arrived), else the request time; for a provider matched by the ledger after an entry posted before its answer arrived, that entry’s time.',
  ).nullable(),
  checkedAt: instant('When the result was recorded.'),
  error: z
    .string()
    .nullable()
    .describe('Why the account could not be reconciled (status `error`).'),
  providerStatus: z
    .string()
    .nullable()
    .optional()
    .describe(
      'Account-status values the provider gave, e.g. `userStatus=premium, status=blocked`.',
    ),
  providerName: z.string().nullable().optional().describe('Merchant name the provider reported.'),
  explanation: z
    .string()
    .nullable()
    .optional()
    .describe(
      'A break (`mismatched`, or `inactive` with a difference) explained from the provider’s transaction history in one line, e.g. `explained: 2 provider-only credits 15,000.00; remainder 0.00`, or `attribution failed: why`.',
    ),
  externalId: z
    .string()
    .nullable()
    .optional()
    .describe('X-EXTERNAL-ID of the request that made the result: what the provider logged it by.'),
  providerReference: z
    .string()
    .nullable()
    .optional()
    .describe('The provider’s own id of its answer (`referenceNo`), where it gave one.'),
};

const accountFields = {
  merchantId: z.string(),
  provider: z.enum(PROVIDERS),
  accountNo: z.string(),
  msId: z
    .string()
    .nullable()
    .describe(
      'The NICEPay seller under accountNo, for a seller’s account; null: the merchant’s own.',
    ),
};

export const ResultItem = registry.register(
  'ResultItem',
  z.object({ ...accountFields, merchantName: z.string(), ...resultFields }).passthrough(),
);

/** A run report's result: the CSV's columns (no merchant name, no `checkedAt`). */
const { checkedAt: _checkedAt, ...reportResultFields } = resultFields;
export const ReportResult = registry.register(
  'ReportResult',
  z.object({ ...accountFields, ...reportResultFields }).passthrough(),
);

export const ResultPage = registry.register(
  'ResultPage',
  z.object({ runId: z.string().describe('The run (resolves `latest`).'), ...page(ResultItem) }),
);

export const RunReport = registry.register(
  'RunReport',
  z.object({ run: RunView, results: z.array(ReportResult) }).passthrough(),
);

export const StartedRun = registry.register(
  'StartedRun',
  z.object({ runId: z.string(), accountCount: z.number().int() }),
);

export const LedgerEntry = registry.register(
  'LedgerEntry',
  z.object({
    entryRef: z.string().describe('The entry’s reference, unique per account.'),
    amount: amount('Signed amount.'),
    postedAt: instant('When the entry was posted.'),
    balanceAfter: amount('Running balance after the entry.'),
  }),
);

export const AccountHistory = registry.register(
  'AccountHistory',
  z.object({
    account: z.object({
      merchantId: z.string(),
      merchantName: z.string(),
      provider: z.enum(PROVIDERS),
      accountNo: z.string(),
      msId: z.string().nullable(),
      currency: z.string(),
      enabled: z.boolean(),
    }),
    inFlightWindowSeconds: z.number().int().describe('RECON_IN_FLIGHT_WINDOW_SECONDS.'),
    items: z
      .array(
        z
          .object({
            runId: z.string(),
            runStartedAt: instant('Start of the run.'),
            runTrigger: trigger,
            ...resultFields,
            windowStart: instant(
              'Start (exclusive) of the in-flight window that ends at `asOf`.',
            ).nullable(),
            windowEntries: z
              .array(LedgerEntry)
              .describe(
                'Ledger entries posted in (windowStart, asOf], newest first (at most 100).',
              ),
            windowEntriesTruncated: z.boolean(),
            balanceBeforeWindow: amount('Ledger balance just before the window.').nullable(),
            attribution: z
              .record(z.unknown())
              .nullable()
              .optional()
              .describe(
                'The bridge of a break (`mismatched`, or `inactive` with a difference) from the provider’s history: `outcome`, `summary`, `window` (`from`, `to`, `fromKind`; `eventsFrom`/`eventsTo`: where the provider’s events start and end, on its clock: the last match’s and this check’s provider times), ledgerBalance + providerOnlyTotal − ledgerOnlyTotal + amountDifferenceTotal + remainder = providerBalance, `providerOnly[]`, `ledgerOnly[]` (`backdated: true` on an entry dated before the window’s start, the last matched check, but booked after that check), `amountDifferences[]`, `firstDivergence`, `duplicatesSkipped`, `pages`, `capHit`.',
              ),
          })
          .passthrough(),
      )
      .describe('The account’s results, newest run (highest id) first.'),
  }),
);

export const DailyReport = registry.register(
  'DailyReport',
  z.object({
    days: z.number().int(),
    timeZone: z.string().openapi({ example: 'Asia/Jakarta' }),
    items: z
      .array(
        z.object({
          date: z.string().date().describe('Calendar day in `timeZone`.'),
          runs: z.number().int().describe('Runs started that day.'),
          mismatchCount: z
            .number()
            .int()
            .describe(
              'Accounts with a break (mismatched, or inactive with a difference) found by a run started that day (each once).',
            ),
          totalAbsDifference: amount(
            'Sum over those accounts of |difference| in the day’s last run that found their break.',
          ),
        }),
      )
      .describe('Oldest day first; every day present.'),
  }),
);

export const Discrepancy = registry.register(
  'Discrepancy',
  z.object({
    id: z.string(),
    status: z.enum(['open', 'acknowledged', 'resolved']),
    ...accountFields,
    occurrences: z.number().int().describe('Runs that found a break on the account.'),
    openedRunId: z.string(),
    lastRunId: z.string(),
    firstDifference: amount('The difference when it opened.'),
    lastDifference: amount('The latest difference.'),
    openedAt: instant('When it opened.'),
    lastSeenAt: instant('When a run last found the break.'),
    acknowledgedAt: instant(
      'When a person acknowledged it; null again once a run reopened it.',
    ).nullable(),
    acknowledgedDifference: amount(
      'The difference when a person last acknowledged it; a run finding it more than RECON_TOLERANCE away reopens the discrepancy (kept, to show what moved).',
    ).nullable(),
    resolvedAt: instant('When it was resolved.').nullable(),
    note: z.string().nullable().describe('The notes, one a line.'),
    explanation: z
      .string()
      .nullable()
      .describe('The last break explained from the provider’s history, in one line (issue 15).'),
  }),
);

export const DiscrepancyPage = registry.register('DiscrepancyPage', z.object(page(Discrepancy)));

export const AuditRecord = registry.register(
  'AuditRecord',
  z.object({
    id: z.string(),
    at: instant('When the change was made.'),
    actorName: z.string().describe('The basic-auth user, or `api-key:` and a fingerprint.'),
    actorRole: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    subjectType: z.enum(AUDIT_SUBJECTS),
    subjectId: z.string(),
    provider: z.string().nullable(),
    accountNo: z.string().nullable(),
    msId: z.string().nullable(),
    before: z.unknown().describe('The state before (JSON), or null.'),
    after: z.unknown().describe('The state after (JSON), or null.'),
    note: z.string().nullable(),
  }),
);

export const AuditPage = registry.register('AuditPage', z.object(page(AuditRecord)));

export const LedgerBatchStored = registry.register(
  'LedgerBatchStored',
  z.object({
    inserted: z.number().int().describe('Entries stored by this call.'),
    duplicates: z
      .number()
      .int()
      .describe('Entries already stored with the same amount and time (a resent batch).'),
  }),
);

export const Health = registry.register(
  'Health',
  z
    .object({
      status: z.enum(['ok', 'error', 'shutting_down']),
      info: z.record(z.unknown()).optional(),
      error: z.record(z.unknown()).optional(),
      details: z.record(z.unknown()).optional(),
    })
    .describe('Postgres, Redis and queue lag (terminus).'),
);

/**
 * Every error answer of every route: an RFC 9457 problem document
 * (`application/problem+json`), with `errors` naming each bad field and the value received.
 */
export const ErrorBody = registry.register(
  'Problem',
  z
    .object({
      type: z.string().openapi({ example: 'about:blank' }),
      title: z.string().openapi({ example: 'Bad Request' }),
      status: z.number().int().openapi({ example: 400 }),
      detail: z.string().optional().openapi({ example: 'invalid query parameters' }),
      errors: z
        .array(
          z
            .object({
              field: z.string().nullable().optional().openapi({ example: 'pageSize' }),
              value: z.unknown().describe('The value received, as JSON (at most 100 characters).'),
              reason: z.string().openapi({ example: 'must be a whole number from 1 to 500' }),
            })
            .passthrough(),
        )
        .optional(),
      errorsOmitted: z
        .number()
        .int()
        .optional()
        .describe(
          'Errors not listed: `errors` lists at most 50 (`POST /ledger/entries`: at most 10,000, one per entry of the largest batch).',
        ),
    })
    .passthrough()
    .describe('RFC 9457 problem document; other members are extension members.'),
);
