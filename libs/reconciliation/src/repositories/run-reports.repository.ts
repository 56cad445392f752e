import { countOf, Db, idOf, moneyOf, moneyOrNull } from '@app/ledger';
import type { ProviderName } from '@app/snap';
import type { StoredAttribution } from '../attribution/bridge';
import type { RunSummary } from '../finalize-run';
import { isBreakSql, type ResultStatus, type RunStatus, type RunTrigger } from '../result-status';

/**
 * The reports' read models over `reconciliation_runs`, `reconciliation_results` and the
 * accounts: rows mapped to records (money as `bigint`, instants as `Date`). Formatting for
 * people (amounts, ISO strings, status text) happens outside, in `run-report.ts` and
 * `report-views.ts`.
 */

/** A run as reports read it. */
export interface RunRecord {
  id: string;
  status: RunStatus;
  trigger: RunTrigger;
  providerFilter: string | null;
  merchantFilter: string | null;
  accountCount: number;
  completedCount: number;
  startedAt: Date;
  finishedAt: Date | null;
  summary: RunSummary | null;
}

/** One account's result in a run, with its account. */
export interface ResultRecord {
  merchantId: string;
  provider: string;
  accountNo: string;
  /** The seller under the merchant `accountNo` (NICEPay), when the account is a seller's. */
  msId: string | null;
  status: ResultStatus;
  providerBalance: bigint | null;
  ledgerBalance: bigint | null;
  difference: bigint | null;
  inFlightAmount: bigint | null;
  currency: string | null;
  responseCode: string | null;
  attempts: number;
  providerTime: Date | null;
  /** The instant the ledger was read as of (our clock). */
  asOf: Date | null;
  errorMessage: string | null;
  providerStatus: Record<string, string> | null;
  providerName: string | null;
  /** The attribution's one-line summary, when there is one. */
  explanation: string | null;
  /** The X-EXTERNAL-ID of the request that made the result, when one was sent. */
  externalId: string | null;
  /** The provider's own id of its answer (`referenceNo`), where it gave one. */
  providerReference: string | null;
}

/** A result as the reports API lists it: with the account id, merchant name and times. */
export interface ResultItemRecord extends ResultRecord {
  accountId: string;
  /** |difference|, or -1 without one: the key results are listed by (largest first). */
  sortKey: bigint;
  merchantName: string;
  checkedAt: Date;
}

/** One run's result for an account, as the account's history lists it. */
export interface AccountResultRecord extends ResultItemRecord {
  runId: string;
  runStartedAt: Date;
  runTrigger: RunTrigger;
  attribution: StoredAttribution | null;
}

/** Filters of a run's results; every one optional. */
export interface ResultFilter {
  statuses?: ResultStatus[];
  provider?: ProviderName;
  merchantId?: string;
}

/** Filters of the run list: status, and `startedFrom <= started_at < startedBefore`. */
export interface RunListFilter {
  status?: RunStatus;
  startedFrom?: Date;
  startedBefore?: Date;
}

/** Where a keyset batch of results starts: after this (sort key, account id). */
export interface ResultCursor {
  sortKey: bigint;
  accountId: string;
}

/** One calendar day of the mismatch chart; the total in minor units. */
export interface DailyMismatchFigures {
  /** `YYYY-MM-DD` in the report's time zone. */
  date: string;
  /** Runs started that day. */
  runs: number;
  /**
   * Accounts with a break (mismatched, or inactive with a difference) in at least one run
   * started that day.
   */
  mismatchCount: number;
  /** Sum over those accounts of |difference| in the day's last run that found their break. */
  totalAbsDifference: bigint;
}

/** Builds `$n` placeholders while collecting their values. */
class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

interface RunRow {
  id: string;
  status: RunStatus;
  trigger: RunTrigger;
  provider_filter: string | null;
  merchant_filter: string | null;
  account_count: number;
  completed_count: number;
  started_at: Date;
  finished_at: Date | null;
  summary: RunSummary | null;
}

const RUN_COLUMNS = `id, status, trigger, provider_filter, merchant_filter, account_count, completed_count,
  started_at, finished_at, summary`;

function toRunRecord(row: RunRow): RunRecord {
  return {
    id: idOf(row.id),
    status: row.status,
    trigger: row.trigger,
    providerFilter: row.provider_filter,
    merchantFilter: row.merchant_filter,
    accountCount: row.account_count,
    completedCount: row.completed_count,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    summary: row.summary,
  };
}

interface ResultRow {
  merchant_id: string;
  provider: string;
  account_no: string;
  ms_id: string | null;
  status: ResultStatus;
  provider_balance: string | null;
  ledger_balance: string | null;
  difference: string | null;
  in_flight_amount: string | null;
  currency: string | null;
  response_code: string | null;
  attempts: number;
  provider_time: Date | null;
  as_of: Date | null;
  error_message: string | null;
  provider_status: Record<string, string> | null;
  provider_name: string | null;
  explanation?: string | null;
  external_id: string | null;
  provider_reference: string | null;
}

interface ResultItemRow extends ResultRow {
  account_id: string;
  sort_key: string;
  merchant_name: string;
  checked_at: Date;
}

function toResultRecord(r: ResultRow): ResultRecord {
  return {
    merchantId: r.merchant_id,
    provider: r.provider,
    accountNo: r.account_no,
    msId: r.ms_id,
    status: r.status,
    providerBalance: moneyOrNull(r.provider_balance),
    ledgerBalance: moneyOrNull(r.ledger_balance),
    difference: moneyOrNull(r.difference),
    inFlightAmount: moneyOrNull(r.in_flight_amount),
    currency: r.currency,
    responseCode: r.response_code,
    attempts: r.attempts,
    providerTime: r.provider_time,
    asOf: r.as_of,
    errorMessage: r.error_message,
    providerStatus: r.provider_status,
    providerName: r.provider_name,
    explanation: r.explanation ?? null,
    externalId: r.external_id,
    providerReference: r.provider_reference,
  };
}

function toResultItemRecord(r: ResultItemRow): ResultItemRecord {
  // Object.assign, not `{ ...record, accountId, ... }`: V8 adds each property after a spread
  // the slow way (~0.5 µs each), and a report maps every one of a run's results.
  return Object.assign(toResultRecord(r), {
    accountId: idOf(r.account_id),
    sortKey: moneyOf(r.sort_key),
    merchantName: r.merchant_name,
    checkedAt: r.checked_at,
  });
}

/**
 * A run by id, or for `latest` the most recent run that checks accounts (a `skipped` tick
 * checked none: as "latest" it would hide the run still checking them); null when there is
 * none (or the ref is no id).
 */
export async function findRun(db: Db, runRef: string): Promise<RunRecord | null> {
  const rows: RunRow[] =
    runRef === 'latest'
      ? await db.query(
          `SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE status <> 'skipped' ORDER BY id DESC LIMIT 1`,
        )
      : /^\d{1,18}$/.test(runRef)
        ? await db.query(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE id = $1`, [runRef])
        : [];
  return rows.length === 0 ? null : toRunRecord(rows[0]);
}

function runWhere(filter: RunListFilter, p: Params): string {
  const where: string[] = [];
  if (filter.status) where.push(`status = ${p.add(filter.status)}`);
  if (filter.startedFrom) where.push(`started_at >= ${p.add(filter.startedFrom)}`);
  if (filter.startedBefore) where.push(`started_at < ${p.add(filter.startedBefore)}`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** How many runs match the filter. */
export async function countRuns(db: Db, filter: RunListFilter): Promise<number> {
  const p = new Params();
  const [{ total }]: { total: string }[] = await db.query(
    `SELECT count(*) AS total FROM reconciliation_runs ${runWhere(filter, p)}`,
    p.values,
  );
  return countOf(total);
}

/** A page of the matching runs, newest first (by start, then id). */
export async function findRunsPage(
  db: Db,
  filter: RunListFilter,
  limit: number,
  offset: number,
): Promise<RunRecord[]> {
  const p = new Params();
  const whereSql = runWhere(filter, p);
  const rows: RunRow[] = await db.query(
    `SELECT ${RUN_COLUMNS} FROM reconciliation_runs ${whereSql}
      ORDER BY started_at DESC, id DESC LIMIT ${p.add(limit)} OFFSET ${p.add(offset)}`,
    p.values,
  );
  return rows.map(toRunRecord);
}

/** The result columns of the lists; `sort_key` is the expression of the `reconciliation_results_run_difference` index. */
const RESULT_COLUMNS = `r.account_id, coalesce(abs(r.difference), -1) AS sort_key,
         a.merchant_id, m.name AS merchant_name, a.provider, a.account_no, a.ms_id, r.status,
         r.provider_balance, r.ledger_balance, r.difference, r.in_flight_amount, r.currency,
         r.response_code, r.attempts, r.provider_time, r.as_of, r.error_message, r.provider_status,
         r.provider_name, r.attribution->>'summary' AS explanation, r.checked_at, r.external_id,
         r.provider_reference`;

const RESULT_FROM = `reconciliation_results r
    JOIN provider_accounts a ON a.id = r.account_id
    JOIN merchants m ON m.id = a.merchant_id`;

const RESULT_SELECT = `SELECT ${RESULT_COLUMNS} FROM ${RESULT_FROM}`;

function resultWhere(p: Params, runId: string, filter: ResultFilter): string {
  const where = [`r.run_id = ${p.add(runId)}`];
  if (filter.statuses?.length) where.push(`r.status = ANY(${p.add(filter.statuses)}::text[])`);
  if (filter.provider) where.push(`a.provider = ${p.add(filter.provider)}`);
  if (filter.merchantId) where.push(`a.merchant_id = ${p.add(filter.merchantId)}`);
  return where.join(' AND ');
}

/** How many of a run's results match the filter. */
export async function countResults(db: Db, runId: string, filter: ResultFilter): Promise<number> {
  const p = new Params();
  const [{ total }]: { total: string }[] = await db.query(
    `SELECT count(*) AS total
       FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
      WHERE ${resultWhere(p, runId, filter)}`,
    p.values,
  );
  return countOf(total);
}

/**
 * A page of a run's results, |difference| descending (results without one last), then
 * merchant, provider and account number.
 */
export async function findResultsPage(
  db: Db,
  runId: string,
  filter: ResultFilter,
  limit: number,
  offset: number,
): Promise<ResultItemRecord[]> {
  const p = new Params();
  const where = resultWhere(p, runId, filter);
  const rows: ResultItemRow[] = await db.query(
    `${RESULT_SELECT}
      WHERE ${where}
      ORDER BY coalesce(abs(r.difference), -1) DESC, a.merchant_id, a.provider, a.account_no, a.ms_id NULLS FIRST
      LIMIT ${p.add(limit)} OFFSET ${p.add(offset)}`,
    p.values,
  );
  return rows.map(toResultItemRecord);
}

/**
 * Up to `limit` of a run's results after `after` in (|difference| descending, account id)
 * order, by keyset over the `reconciliation_results_run_difference` index: a range scan
 * starting after the previous batch's last row, so no batch costs more than the first.
 */
export async function findResultBatch(
  db: Db,
  runId: string,
  filter: ResultFilter,
  after: ResultCursor | null,
  limit: number,
): Promise<ResultItemRecord[]> {
  const p = new Params();
  const where = resultWhere(p, runId, filter);
  const max = p.add(limit);
  let sql: string;
  if (after === null) {
    sql = `${RESULT_SELECT} WHERE ${where}
            ORDER BY coalesce(abs(r.difference), -1) DESC, r.account_id LIMIT ${max}`;
  } else {
    // (key, id) after (k, a) in (key DESC, id ASC) order: the rest of key k, then smaller
    // keys. Two range scans of the index; the merge stops once `limit` rows are read.
    const k = p.add(after.sortKey.toString());
    const a = p.add(after.accountId);
    sql = `SELECT * FROM (
             (${RESULT_SELECT} WHERE ${where}
                AND coalesce(abs(r.difference), -1) = ${k}::bigint
                AND r.account_id > ${a}::bigint AND a.id > ${a}::bigint
              ORDER BY r.account_id LIMIT ${max})
             UNION ALL
             (${RESULT_SELECT} WHERE ${where} AND coalesce(abs(r.difference), -1) < ${k}::bigint
              ORDER BY coalesce(abs(r.difference), -1) DESC, r.account_id LIMIT ${max})
           ) batch
           ORDER BY sort_key DESC, account_id LIMIT ${max}`;
  }
  const rows: ResultItemRow[] = await db.query(sql, p.values);
  return rows.map(toResultItemRecord);
}

/** Every result of a run, |difference| descending (none last), then merchant, provider, account. */
export async function findRunResults(db: Db, runId: string): Promise<ResultRecord[]> {
  const rows: ResultRow[] = await db.query(
    `SELECT a.merchant_id, a.provider, a.account_no, a.ms_id, r.status, r.provider_balance, r.ledger_balance,
            r.difference, r.in_flight_amount, r.currency, r.response_code, r.attempts, r.provider_time,
            r.as_of, r.error_message, r.provider_status, r.provider_name,
            r.attribution->>'summary' AS explanation, r.external_id, r.provider_reference
       FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
      WHERE r.run_id = $1
      ORDER BY abs(r.difference) DESC NULLS LAST, a.merchant_id, a.provider, a.account_no, a.ms_id NULLS FIRST`,
    [runId],
  );
  return rows.map(toResultRecord);
}

/** An account's results across runs, newest run first, at most `limit`. */
export async function findAccountResults(
  db: Db,
  accountId: string,
  limit: number,
): Promise<AccountResultRecord[]> {
  const rows: (ResultItemRow & {
    run_id: string;
    run_started_at: Date;
    run_trigger: RunTrigger;
    attribution: StoredAttribution | null;
  })[] = await db.query(
    `SELECT r.run_id, ru.started_at AS run_started_at, ru.trigger AS run_trigger, r.attribution, ${RESULT_COLUMNS}
       FROM ${RESULT_FROM} JOIN reconciliation_runs ru ON ru.id = r.run_id
      WHERE r.account_id = $1
      ORDER BY r.run_id DESC LIMIT $2`,
    [accountId, limit],
  );
  return rows.map((r) =>
    Object.assign(toResultItemRecord(r), {
      runId: idOf(r.run_id),
      runStartedAt: r.run_started_at,
      runTrigger: r.run_trigger,
      attribution: r.attribution ?? null,
    }),
  );
}

/**
 * The last `days` calendar days in `timeZone` (today included), oldest first, every day
 * present (zero when no run). An account with a break in several runs of one day counts once,
 * with its latest difference, so hourly runs do not multiply the figures by 24.
 */
export async function dailyMismatches(
  db: Db,
  days: number,
  timeZone: string,
): Promise<DailyMismatchFigures[]> {
  const rows: { day: string; runs: string; mismatches: string; total: string }[] = await db.query(
    `WITH bounds AS (
       SELECT (now() AT TIME ZONE $2)::date - ($1::int - 1) AS first_day, (now() AT TIME ZONE $2)::date AS last_day
     ), days AS (
       SELECT generate_series(first_day, last_day, interval '1 day')::date AS day FROM bounds
     ), runs AS (
       SELECT ru.id, (ru.started_at AT TIME ZONE $2)::date AS day
         FROM reconciliation_runs ru, bounds
        WHERE ru.started_at >= (bounds.first_day::timestamp AT TIME ZONE $2)
     ), latest AS (
       SELECT DISTINCT ON (runs.day, r.account_id) runs.day, abs(r.difference) AS abs_difference
         FROM runs JOIN reconciliation_results r ON r.run_id = runs.id AND ${isBreakSql('r')}
        ORDER BY runs.day, r.account_id, r.run_id DESC
     )
     SELECT to_char(d.day, 'YYYY-MM-DD') AS day,
            (SELECT count(*) FROM runs WHERE runs.day = d.day) AS runs,
            count(l.abs_difference) AS mismatches,
            coalesce(sum(l.abs_difference), 0) AS total
       FROM days d LEFT JOIN latest l ON l.day = d.day
      GROUP BY d.day ORDER BY d.day`,
    [days, timeZone],
  );
  return rows.map((r) => ({
    date: r.day,
    runs: countOf(r.runs),
    mismatchCount: countOf(r.mismatches),
    totalAbsDifference: moneyOf(r.total),
  }));
}
