import { z } from 'zod';
import { parseIsoInstant } from '@app/ledger';
import { RESULT_STATUSES, ResultStatus, RUN_STATUSES } from '@app/reconciliation';
import type { ResultFilter, RunListFilter } from '@app/reconciliation/report-views';
import { PROVIDERS } from '@app/snap';
import { accountIdText } from '../http/route-params';
import { isCalendarDate, startOfDay } from './zoned-day';

/** Largest page of the paginated lists. */
export const MAX_PAGE_SIZE = 500;
/** Most runs an account history lists. */
export const MAX_HISTORY = 200;
/** Most days of the daily report. */
export const MAX_DAYS = 366;

/** A positive integer query parameter, as text, within bounds. */
function count(defaultValue: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`))
    .optional()
    .transform((v) => v ?? defaultValue);
}

const page = count(1, 1_000_000);
const pageSize = (defaultValue: number) => count(defaultValue, MAX_PAGE_SIZE);
/** `page` and `pageSize` query parameters: decimal digits only (no `1e300`, no `0x10`), bounded. */
export { page as pageParam, pageSize as pageSizeParam };

const PAGE_NUMBER_RULE = 'must be a whole number from 1 to 999999';
/** A page of a report page's list (`?runsPage=`, `?page=`): 1 to 999999, digits only. */
export const pageNumberParam = z
  .string()
  .regex(/^\d{1,6}$/, PAGE_NUMBER_RULE)
  .transform(Number)
  .pipe(z.number().int().min(1, PAGE_NUMBER_RULE));

/**
 * `YYYY-MM-DD` (a calendar day in the report time zone) or an ISO 8601 instant with an offset,
 * read as the ledger reads one (an offset beyond ±14:00 or a 24th hour is refused here, not
 * turned into an invalid date that only the database would refuse).
 */
const dayOrInstant = z.string().superRefine((v, ctx) => {
  if (isCalendarDate(v)) return;
  const instant = parseBound(v);
  if (instant.ok) return;
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    message: /^\d{4}-\d{2}-\d{2}T/.test(v)
      ? instant.reason
      : 'must be a date YYYY-MM-DD or an ISO 8601 date-time with an offset, e.g. 2025-11-20T08:00:00+07:00',
  });
});

/** A comma-separated list of result statuses, e.g. `mismatched,error`. */
const statusList = z
  .string()
  .superRefine((v, ctx) => {
    const bad = v.split(',').filter((s) => !(RESULT_STATUSES as readonly string[]).includes(s));
    if (bad.length > 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `unknown status ${bad.map((b) => JSON.stringify(b)).join(', ')}; use one or more of ${RESULT_STATUSES.join(', ')} separated by commas`,
      });
    }
  })
  .transform((v) => [...new Set(v.split(','))] as ResultStatus[]);

const resultFilters = {
  status: statusList.optional(),
  provider: z.enum(PROVIDERS).optional(),
  merchant: accountIdText.optional(),
};

export const runListQuery = z
  .object({
    status: z.enum(RUN_STATUSES).optional(),
    from: dayOrInstant.optional(),
    to: dayOrInstant.optional(),
    page,
    pageSize: pageSize(20),
  })
  .strict();

export const resultsQuery = z.object({ ...resultFilters, page, pageSize: pageSize(50) }).strict();
export const resultsCsvQuery = z.object(resultFilters).strict();
/** A run report's one parameter; its value is checked by the route (json or csv). */
export const reportQuery = z.object({ format: z.string().optional() }).strict();
/** A route that takes no query parameters: any is refused, not ignored. */
export const noQuery = z.object({}).strict();
/** `msId` names a NICEPay seller under the account number; absent, the merchant's own account. */
export const sellerParam = accountIdText.optional();
export const historyQuery = z.object({ msId: sellerParam, limit: count(20, MAX_HISTORY) }).strict();
export const dailyQuery = z.object({ days: count(30, MAX_DAYS) }).strict();

/** The run list's filter: a day bound is the start of that day (`from`) or of the next (`to`). */
export function runListFilter(
  query: z.infer<typeof runListQuery>,
  timeZone: string,
): RunListFilter {
  const bound = (v: string | undefined, plusDays: number) =>
    v === undefined
      ? undefined
      : isCalendarDate(v)
        ? startOfDay(v, timeZone, plusDays)
        : instantOf(v);
  return {
    status: query.status,
    startedFrom: bound(query.from, 0),
    startedBefore: bound(query.to, 1),
  };
}

export function resultFilter(query: z.infer<typeof resultsCsvQuery>): ResultFilter {
  return { statuses: query.status, provider: query.provider, merchantId: query.merchant };
}

/**
 * A bound as the ledger reads an instant, but with digits below the millisecond dropped (the
 * ledger refuses them so an import never rounds a stored time; a filter bound may carry them,
 * as Python's `isoformat()` and Postgres write microseconds).
 */
function parseBound(v: string) {
  return parseIsoInstant(v.replace(/(T\d{2}:\d{2}:\d{2}[.,]\d{3})\d+/, '$1'));
}

/** The instant of a `from`/`to` value the schema accepted. */
function instantOf(v: string): Date {
  const instant = parseBound(v);
  if (!instant.ok) throw new Error(`not an instant: ${JSON.stringify(v)}`); // the schema refused it
  return instant.value;
}
