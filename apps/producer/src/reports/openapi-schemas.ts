import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { RESULT_STATUSES } from '@app/reconciliation';
import { PROVIDERS } from '@app/snap';

/** `#/components/schemas/<name>` */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const amount = (description: string, nullable = false): SchemaObject => ({
  type: 'string',
  pattern: '^-?\\d+\\.\\d{2}$',
  example: '10000.00',
  description: `${description} Decimal string of the amount (minor units formatted with two decimals).`,
  nullable,
});
const instant = (description: string, nullable = false): SchemaObject => ({
  type: 'string',
  format: 'date-time',
  description,
  nullable,
});
const text = (description: string, nullable = false): SchemaObject => ({
  type: 'string',
  description,
  nullable,
});

const statusCounts: SchemaObject = {
  type: 'object',
  description: 'Number of results per status.',
  properties: Object.fromEntries(RESULT_STATUSES.map((s) => [s, { type: 'integer' }])),
  required: [...RESULT_STATUSES],
};

const page = (item: string, extra: Record<string, SchemaObject> = {}): SchemaObject => ({
  type: 'object',
  properties: {
    ...extra,
    items: { type: 'array', items: ref(item) },
    page: { type: 'integer', minimum: 1 },
    pageSize: { type: 'integer', minimum: 1 },
    total: { type: 'integer', description: 'Items matching the filter, over all pages.' },
  },
  required: [...Object.keys(extra), 'items', 'page', 'pageSize', 'total'],
});

const resultFields: Record<string, SchemaObject> = {
  status: { type: 'string', enum: [...RESULT_STATUSES] },
  providerBalance: amount('Balance the provider reported.', true),
  ledgerBalance: amount('Ledger balance as of `asOf`.', true),
  difference: amount('provider − ledger.', true),
  inFlightAmount: amount('For `timing`: ledger amount the provider had not booked yet.', true),
  currency: text('ISO 4217 code.', true),
  responseCode: text('SNAP response code of the last call.', true),
  attempts: { type: 'integer' },
  providerTime: instant('The provider’s own timestamp of the balance.', true),
  asOf: instant('Instant the ledger was read as of (provider time, else request time).', true),
  checkedAt: instant('When the result was recorded.'),
  error: text('Why the account could not be reconciled (status `error`).', true),
  providerStatus: text(
    'Account-status values the provider gave, e.g. `userStatus=premium, status=blocked`.',
    true,
  ),
  providerName: text('Merchant name the provider reported.', true),
  explanation: text(
    'A `mismatched` result explained from the provider’s transaction history, in one line, e.g. `explained: 2 provider-only credits 15,000.00; remainder 0.00`; or `attribution failed: why`.',
    true,
  ),
};

export const REPORT_SCHEMAS: Record<string, SchemaObject> = {
  StatusCounts: statusCounts,
  RunView: {
    type: 'object',
    properties: {
      id: { type: 'string', example: '42' },
      status: { type: 'string', enum: ['running', 'finished', 'failed'] },
      trigger: { type: 'string', enum: ['schedule', 'api', 'cli'] },
      providerFilter: text('Provider the run was limited to.', true),
      merchantFilter: text('Merchant the run was limited to.', true),
      accountCount: { type: 'integer' },
      completedCount: { type: 'integer' },
      startedAt: instant('Start of the run.'),
      finishedAt: instant('End of the run.', true),
      counts: {
        ...ref('StatusCounts'),
        description: 'Results per status (a finished run).',
      } as SchemaObject,
      byProvider: {
        type: 'object',
        additionalProperties: ref('StatusCounts'),
        description: 'Results per provider and status.',
      },
      totalAbsDifference: amount('Sum of |difference| over mismatched accounts.'),
      largestAbsDifference: amount('Largest |difference| of a mismatched account.'),
    },
    required: [
      'id',
      'status',
      'trigger',
      'accountCount',
      'completedCount',
      'startedAt',
      'counts',
      'byProvider',
    ],
  },
  RunPage: page('RunView'),
  ResultItem: {
    type: 'object',
    properties: {
      merchantId: text('Merchant id.'),
      merchantName: text('Merchant name.'),
      provider: { type: 'string', enum: [...PROVIDERS] },
      accountNo: text('Account number at the provider.'),
      ...resultFields,
    },
    required: [
      'merchantId',
      'merchantName',
      'provider',
      'accountNo',
      'status',
      'attempts',
      'checkedAt',
    ],
  },
  ResultPage: page('ResultItem', {
    runId: { type: 'string', description: 'The run (resolves `latest`).' },
  }),
  LedgerEntry: {
    type: 'object',
    properties: {
      entryRef: text('The entry’s reference, unique per account.'),
      amount: amount('Signed amount.'),
      postedAt: instant('When the entry was posted.'),
      balanceAfter: amount('Running balance after the entry.'),
    },
    required: ['entryRef', 'amount', 'postedAt', 'balanceAfter'],
  },
  AccountHistory: {
    type: 'object',
    properties: {
      account: {
        type: 'object',
        properties: {
          merchantId: { type: 'string' },
          merchantName: { type: 'string' },
          provider: { type: 'string', enum: [...PROVIDERS] },
          accountNo: { type: 'string' },
          currency: { type: 'string' },
          enabled: { type: 'boolean' },
        },
      },
      inFlightWindowSeconds: { type: 'integer', description: 'RECON_IN_FLIGHT_WINDOW_SECONDS.' },
      items: {
        type: 'array',
        description: 'The account’s results, newest run (highest id) first.',
        items: {
          type: 'object',
          properties: {
            runId: { type: 'string' },
            runStartedAt: instant('Start of the run.'),
            runTrigger: { type: 'string', enum: ['schedule', 'api', 'cli'] },
            ...resultFields,
            windowStart: instant(
              'Start (exclusive) of the in-flight window that ends at `asOf`.',
              true,
            ),
            windowEntries: {
              type: 'array',
              items: ref('LedgerEntry'),
              description:
                'Ledger entries posted in (windowStart, asOf], newest first (at most 100).',
            },
            windowEntriesTruncated: { type: 'boolean' },
            balanceBeforeWindow: amount('Ledger balance just before the window.', true),
            attribution: {
              type: 'object',
              nullable: true,
              description:
                'The bridge of a `mismatched` result from the provider’s history: `outcome` (`explained`, `partly-explained` or `failed`), `summary`, `window {from, to, fromKind}`, `ledgerBalance` + `providerOnlyTotal` − `ledgerOnlyTotal` + `amountDifferenceTotal` + `remainder` = `providerBalance`, `providerOnly[]`, `ledgerOnly[]`, `amountDifferences[]`, `firstDivergence`, `duplicatesSkipped`, `pages`, `capHit`.',
              additionalProperties: true,
            },
          },
        },
      },
    },
    required: ['account', 'inFlightWindowSeconds', 'items'],
  },
  DailyMismatches: {
    type: 'object',
    properties: {
      date: { type: 'string', format: 'date', description: 'Calendar day in `timeZone`.' },
      runs: { type: 'integer', description: 'Runs started that day.' },
      mismatchCount: {
        type: 'integer',
        description: 'Accounts found mismatched by a run started that day (each once).',
      },
      totalAbsDifference: amount(
        'Sum over those accounts of |difference| in the day’s last run that found them mismatched.',
      ),
    },
    required: ['date', 'runs', 'mismatchCount', 'totalAbsDifference'],
  },
  DailyReport: {
    type: 'object',
    properties: {
      days: { type: 'integer' },
      timeZone: { type: 'string', example: 'Asia/Jakarta' },
      items: {
        type: 'array',
        items: ref('DailyMismatches'),
        description: 'Oldest day first; every day present.',
      },
    },
    required: ['days', 'timeZone', 'items'],
  },
  BadRequest: {
    type: 'object',
    properties: {
      statusCode: { type: 'integer', example: 400 },
      message: { type: 'string', example: 'invalid query parameters' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            field: { type: 'string', example: 'pageSize' },
            value: {
              type: 'string',
              nullable: true,
              example: '"abc"',
              description: 'The value received, as JSON.',
            },
            reason: { type: 'string', example: 'must be a whole number' },
          },
        },
      },
    },
  },
};
