import type { StoredAttribution } from './attribution/bridge';
import type { DataSource } from 'typeorm';
import { formatAmount, ProviderName } from '@app/snap';
import type { ResultStatus, RunStatus, RunTrigger } from './result-status';
import {
  ResultView,
  ResultViewRow,
  RUN_COLUMNS,
  RunRow,
  RunView,
  toResultView,
  toRunView,
} from './run-report';

/** One page of a list, newest or largest first; `total` counts every match of the filter. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

/** A result as the reports API shows it: the CSV columns plus the merchant's name and times. */
export interface ResultItem extends ResultView {
  merchantName: string;
  /** The instant the ledger was read as of (the provider's time, else the request time). */
  asOf: string | null;
  checkedAt: string;
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

/** Builds `$n` placeholders while collecting their values. */
class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Runs, newest first (by start, then id), filtered by status and start instant. */
export async function listRuns(
  ds: DataSource,
  filter: RunListFilter,
  page: number,
  pageSize: number,
): Promise<Page<RunView>> {
  const p = new Params();
  const where: string[] = [];
  if (filter.status) where.push(`status = ${p.add(filter.status)}`);
  if (filter.startedFrom) where.push(`started_at >= ${p.add(filter.startedFrom)}`);
  if (filter.startedBefore) where.push(`started_at < ${p.add(filter.startedBefore)}`);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [{ total }]: { total: string }[] = await ds.query(
    `SELECT count(*) AS total FROM reconciliation_runs ${whereSql}`,
    p.values,
  );
  const rows: RunRow[] = await ds.query(
    `SELECT ${RUN_COLUMNS} FROM reconciliation_runs ${whereSql}
      ORDER BY started_at DESC, id DESC LIMIT ${p.add(pageSize)} OFFSET ${p.add((page - 1) * pageSize)}`,
    p.values,
  );
  return { items: rows.map(toRunView), page, pageSize, total: Number(total) };
}

interface ResultRow extends ResultViewRow {
  account_id: string;
  sort_key: string;
  merchant_name: string;
  as_of: Date | null;
  checked_at: Date;
}

const RESULT_COLUMNS = `r.account_id, coalesce(abs(r.difference), -1) AS sort_key,
         a.merchant_id, m.name AS merchant_name, a.provider, a.account_no, r.status,
         r.provider_balance, r.ledger_balance, r.difference, r.in_flight_amount, r.currency,
         r.response_code, r.attempts, r.provider_time, r.as_of, r.error_message, r.provider_status,
         r.provider_name, r.attribution->>'summary' AS explanation, r.checked_at`;

const RESULT_FROM = `reconciliation_results r
    JOIN provider_accounts a ON a.id = r.account_id
    JOIN merchants m ON m.id = a.merchant_id`;

/** `sort_key` is the expression of the `reconciliation_results_run_difference` index. */
const RESULT_SELECT = `SELECT ${RESULT_COLUMNS} FROM ${RESULT_FROM}`;

function toResultItem(r: ResultRow): ResultItem {
  return {
    ...toResultView(r),
    merchantName: r.merchant_name,
    asOf: r.as_of?.toISOString() ?? null,
    checkedAt: r.checked_at.toISOString(),
  };
}

function resultWhere(p: Params, runId: string, filter: ResultFilter): string[] {
  const where = [`r.run_id = ${p.add(runId)}`];
  if (filter.statuses?.length) where.push(`r.status = ANY(${p.add(filter.statuses)}::text[])`);
  if (filter.provider) where.push(`a.provider = ${p.add(filter.provider)}`);
  if (filter.merchantId) where.push(`a.merchant_id = ${p.add(filter.merchantId)}`);
  return where;
}

/**
 * One page of a run's results, |difference| descending (results without one last), then
 * merchant, provider and account number.
 */
export async function listRunResults(
  ds: DataSource,
  runId: string,
  filter: ResultFilter,
  page: number,
  pageSize: number,
): Promise<Page<ResultItem>> {
  const p = new Params();
  const where = resultWhere(p, runId, filter).join(' AND ');
  const [{ total }]: { total: string }[] = await ds.query(
    `SELECT count(*) AS total
       FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
      WHERE ${where}`,
    p.values,
  );
  const rows: ResultRow[] = await ds.query(
    `${RESULT_SELECT}
      WHERE ${where}
      ORDER BY coalesce(abs(r.difference), -1) DESC, a.merchant_id, a.provider, a.account_no
      LIMIT ${p.add(pageSize)} OFFSET ${p.add((page - 1) * pageSize)}`,
    p.values,
  );
  return { items: rows.map(toResultItem), page, pageSize, total: Number(total) };
}

/**
 * A run's results in batches of `batchSize`, |difference| descending then account id, by
 * keyset pagination over the `reconciliation_results_run_difference` index: each batch is a
 * range scan starting after the previous batch's last (|difference|, account id), so memory
 * is one batch whatever the run's size and no connection is held between batches. The
 * consumer pulls the next batch only when it wants it (backpressure).
 */
export async function* resultBatches(
  ds: DataSource,
  runId: string,
  filter: ResultFilter,
  batchSize = 1000,
): AsyncGenerator<ResultItem[]> {
  let after: { sortKey: string; accountId: string } | null = null;
  for (;;) {
    const p = new Params();
    const where = resultWhere(p, runId, filter).join(' AND ');
    const limit = p.add(batchSize);
    let sql: string;
    if (after === null) {
      sql = `${RESULT_SELECT} WHERE ${where}
              ORDER BY coalesce(abs(r.difference), -1) DESC, r.account_id LIMIT ${limit}`;
    } else {
      // (key, id) after (k, a) in (key DESC, id ASC) order: the rest of key k, then smaller
      // keys. Two range scans of the index; the merge stops once `limit` rows are read.
      const k = p.add(after.sortKey);
      const a = p.add(after.accountId);
      sql = `SELECT * FROM (
               (${RESULT_SELECT} WHERE ${where}
                  AND coalesce(abs(r.difference), -1) = ${k}::bigint
                  AND r.account_id > ${a}::bigint AND a.id > ${a}::bigint
                ORDER BY r.account_id LIMIT ${limit})
               UNION ALL
               (${RESULT_SELECT} WHERE ${where} AND coalesce(abs(r.difference), -1) < ${k}::bigint
                ORDER BY coalesce(abs(r.difference), -1) DESC, r.account_id LIMIT ${limit})
             ) batch
             ORDER BY sort_key DESC, account_id LIMIT ${limit}`;
    }
    const rows: ResultRow[] = await ds.query(sql, p.values);
    const count = rows.length;
    if (count > 0) {
      const last = rows[count - 1];
      after = { sortKey: String(last.sort_key), accountId: String(last.account_id) };
      const items = rows.map(toResultItem);
      rows.length = 0; // only one copy of the batch stays alive while it is consumed
      yield items;
    }
    if (count < batchSize) return;
  }
}

/** A provider account as the history shows it. */
export interface AccountView {
  merchantId: string;
  merchantName: string;
  provider: string;
  accountNo: string;
  currency: string;
  enabled: boolean;
}

/** A ledger entry; amounts are decimal strings. */
export interface LedgerEntryView {
  entryRef: string;
  amount: string;
  postedAt: string;
  balanceAfter: string;
}

/** One run's result for an account, with the ledger entries of its in-flight window. */
export interface AccountHistoryItem extends Omit<
  ResultItem,
  'merchantId' | 'merchantName' | 'provider' | 'accountNo'
> {
  runId: string;
  runStartedAt: string;
  runTrigger: RunTrigger;
  /** `(windowStart, asOf]`: entries posted then may not have reached the provider yet; null without `asOf`. */
  windowStart: string | null;
  /** Newest first; at most {@link MAX_WINDOW_ENTRIES}. */
  windowEntries: LedgerEntryView[];
  windowEntriesTruncated: boolean;
  /** The ledger balance just before the window (null when the entries were truncated or there is no window). */
  balanceBeforeWindow: string | null;
  /** The break explained from the provider's history (issue 15): the bridge, or why not. */
  attribution: StoredAttribution | null;
}

export interface AccountHistory {
  account: AccountView;
  inFlightWindowSeconds: number;
  items: AccountHistoryItem[];
}

/** Most ledger entries listed per result window. */
export const MAX_WINDOW_ENTRIES = 100;

/**
 * An account's results across runs, newest run first, each with the ledger entries posted
 * in the in-flight window `(asOf - windowSeconds, asOf]` before it: what may have been in
 * flight when the provider answered. `null` when there is no such account.
 */
export async function loadAccountHistory(
  ds: DataSource,
  provider: ProviderName,
  accountNo: string,
  limit: number,
  windowSeconds: number,
): Promise<AccountHistory | null> {
  const accounts: {
    id: string;
    merchant_id: string;
    merchant_name: string;
    provider: string;
    account_no: string;
    currency: string;
    enabled: boolean;
  }[] = await ds.query(
    `SELECT a.id, a.merchant_id, m.name AS merchant_name, a.provider, a.account_no, a.currency, a.enabled
       FROM provider_accounts a JOIN merchants m ON m.id = a.merchant_id
      WHERE a.provider = $1 AND a.account_no = $2`,
    [provider, accountNo],
  );
  if (accounts.length === 0) return null;
  const account = accounts[0];
  const rows: (ResultRow & {
    run_id: string;
    run_started_at: Date;
    run_trigger: RunTrigger;
    attribution: StoredAttribution | null;
  })[] = await ds.query(
    `SELECT r.run_id, ru.started_at AS run_started_at, ru.trigger AS run_trigger, r.attribution, ${RESULT_COLUMNS}
       FROM ${RESULT_FROM} JOIN reconciliation_runs ru ON ru.id = r.run_id
      WHERE r.account_id = $1
      ORDER BY r.run_id DESC LIMIT $2`,
    [account.id, limit],
  );
  const withAsOf = rows.filter((r) => r.as_of !== null);
  const entries: {
    run_id: string;
    entry_ref: string;
    amount: string;
    posted_at: Date;
    balance_after: string;
  }[] =
    withAsOf.length === 0
      ? []
      : await ds.query(
          `SELECT w.run_id, e.entry_ref, e.amount, e.posted_at, e.balance_after
             FROM unnest($2::bigint[], $3::timestamptz[]) AS w(run_id, as_of)
             CROSS JOIN LATERAL (
               SELECT entry_ref, amount, posted_at, balance_after FROM ledger_entries
                WHERE account_id = $1 AND posted_at <= w.as_of
                  AND posted_at > w.as_of - make_interval(secs => $4)
                ORDER BY posted_at DESC, id DESC LIMIT ${MAX_WINDOW_ENTRIES + 1}
             ) e
            ORDER BY w.run_id DESC, e.posted_at DESC`,
          [account.id, withAsOf.map((r) => r.run_id), withAsOf.map((r) => r.as_of), windowSeconds],
        );
  const byRun = new Map<string, typeof entries>();
  for (const e of entries) {
    const list = byRun.get(String(e.run_id)) ?? [];
    list.push(e);
    byRun.set(String(e.run_id), list);
  }
  return {
    account: {
      merchantId: account.merchant_id,
      merchantName: account.merchant_name,
      provider: account.provider,
      accountNo: account.account_no,
      currency: account.currency,
      enabled: account.enabled,
    },
    inFlightWindowSeconds: windowSeconds,
    items: rows.map((r) => {
      const {
        merchantId: _m,
        merchantName: _n,
        provider: _p,
        accountNo: _a,
        ...result
      } = toResultItem(r);
      const window = byRun.get(String(r.run_id)) ?? [];
      const truncated = window.length > MAX_WINDOW_ENTRIES;
      const shown = window.slice(0, MAX_WINDOW_ENTRIES);
      let before: bigint | null = null;
      if (r.as_of !== null && !truncated) {
        const oldest = shown[shown.length - 1];
        before = oldest
          ? BigInt(oldest.balance_after) - BigInt(oldest.amount)
          : r.ledger_balance === null
            ? null
            : BigInt(r.ledger_balance);
      }
      return {
        runId: String(r.run_id),
        runStartedAt: r.run_started_at.toISOString(),
        runTrigger: r.run_trigger,
        ...result,
        windowStart: r.as_of
          ? new Date(r.as_of.getTime() - windowSeconds * 1000).toISOString()
          : null,
        windowEntries: shown.map((e) => ({
          entryRef: e.entry_ref,
          amount: formatAmount(BigInt(e.amount)),
          postedAt: e.posted_at.toISOString(),
          balanceAfter: formatAmount(BigInt(e.balance_after)),
        })),
        windowEntriesTruncated: truncated,
        balanceBeforeWindow: before === null ? null : formatAmount(before),
        attribution: r.attribution ?? null,
      };
    }),
  };
}

/** One calendar day of the mismatch chart; the total in minor units. */
export interface DailyMismatchFigures {
  /** `YYYY-MM-DD` in the report's time zone. */
  date: string;
  /** Runs started that day. */
  runs: number;
  /** Accounts found mismatched by at least one run started that day. */
  mismatchCount: number;
  /** Sum over those accounts of |difference| in the day's last run that found them mismatched. */
  totalAbsDifference: bigint;
}

/** {@link DailyMismatchFigures} with the total as a decimal string, as the API shows it. */
export interface DailyMismatches extends Omit<DailyMismatchFigures, 'totalAbsDifference'> {
  totalAbsDifference: string;
}

/**
 * The last `days` calendar days in `timeZone` (today included), oldest first, every day
 * present (zero when no run). An account mismatched by several runs of one day counts once,
 * with its latest difference, so hourly runs do not multiply the figures by 24.
 */
export async function dailyMismatches(
  ds: DataSource,
  days: number,
  timeZone: string,
): Promise<DailyMismatchFigures[]> {
  const rows: { day: string; runs: string; mismatches: string; total: string }[] = await ds.query(
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
         FROM runs JOIN reconciliation_results r ON r.run_id = runs.id AND r.status = 'mismatched'
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
    runs: Number(r.runs),
    mismatchCount: Number(r.mismatches),
    totalAbsDifference: BigInt(r.total),
  }));
}
