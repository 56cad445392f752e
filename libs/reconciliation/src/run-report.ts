import type { DataSource } from 'typeorm';
import { describeStatus, formatAmount } from '@app/snap';
import type { ResultStatus, RunStatus, RunTrigger } from './result-status';
import { emptyCounts, RunSummary, StatusCounts } from './finalize-run';

/** A run as reports show it. */
export interface RunView {
  id: string;
  status: RunStatus;
  trigger: RunTrigger;
  providerFilter: string | null;
  merchantFilter: string | null;
  accountCount: number;
  completedCount: number;
  startedAt: string;
  finishedAt: string | null;
  counts: StatusCounts;
  byProvider: Record<string, StatusCounts>;
  /** Decimal strings, e.g. `"10000.00"`. */
  totalAbsDifference: string;
  largestAbsDifference: string;
}

/** One account's result as reports show it; amounts are decimal strings. */
export interface ResultView {
  merchantId: string;
  provider: string;
  accountNo: string;
  status: ResultStatus;
  providerBalance: string | null;
  ledgerBalance: string | null;
  difference: string | null;
  inFlightAmount: string | null;
  currency: string | null;
  responseCode: string | null;
  attempts: number;
  providerTime: string | null;
  error: string | null;
  /** The account-status values the provider gave, e.g. `userStatus=premium, status=blocked`. */
  providerStatus: string | null;
  /** The merchant name the provider reported. */
  providerName: string | null;
  /** A mismatch explained from the provider's history, in one line (issue 15). */
  explanation: string | null;
}

export interface RunReport {
  run: RunView;
  results: ResultView[];
}

/** A `reconciliation_runs` row as selected by {@link RUN_COLUMNS}. */
export interface RunRow {
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

/** The columns {@link toRunView} reads. */
export const RUN_COLUMNS = `id, status, trigger, provider_filter, merchant_filter, account_count, completed_count,
  started_at, finished_at, summary`;

const money = (v: string | null) => (v === null ? null : formatAmount(BigInt(v)));

/** A run row as reports show it. */
export function toRunView(row: RunRow): RunView {
  const summary = row.summary;
  return {
    id: String(row.id),
    status: row.status,
    trigger: row.trigger,
    providerFilter: row.provider_filter,
    merchantFilter: row.merchant_filter,
    accountCount: row.account_count,
    completedCount: row.completed_count,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    // In status order: jsonb keeps object keys in its own order (shortest first).
    counts: { ...emptyCounts(), ...summary?.counts },
    byProvider: Object.fromEntries(
      Object.entries(summary?.byProvider ?? {}).map(([p, c]) => [p, { ...emptyCounts(), ...c }]),
    ),
    totalAbsDifference: formatAmount(BigInt(summary?.totalAbsDifference ?? '0')),
    largestAbsDifference: formatAmount(BigInt(summary?.largestAbsDifference ?? '0')),
  };
}

/** The columns of a result row (with its account's) that {@link toResultView} reads. */
export interface ResultViewRow {
  merchant_id: string;
  provider: string;
  account_no: string;
  status: ResultStatus;
  provider_balance: string | null;
  ledger_balance: string | null;
  difference: string | null;
  in_flight_amount: string | null;
  currency: string | null;
  response_code: string | null;
  attempts: number;
  provider_time: Date | null;
  error_message: string | null;
  provider_status: Record<string, string> | null;
  provider_name: string | null;
  explanation?: string | null;
}

/** A result row as reports show it. */
export function toResultView(r: ResultViewRow): ResultView {
  return {
    merchantId: r.merchant_id,
    provider: r.provider,
    accountNo: r.account_no,
    status: r.status,
    providerBalance: money(r.provider_balance),
    ledgerBalance: money(r.ledger_balance),
    difference: money(r.difference),
    inFlightAmount: money(r.in_flight_amount),
    currency: r.currency,
    responseCode: r.response_code,
    attempts: r.attempts,
    providerTime: r.provider_time?.toISOString() ?? null,
    error: r.error_message,
    providerStatus: r.provider_status ? describeStatus(r.provider_status) : null,
    providerName: r.provider_name,
    explanation: r.explanation ?? null,
  };
}

/** A run by id, or the most recent one for `latest`; `null` when there is none. */
export async function loadRun(ds: DataSource, runRef: string): Promise<RunView | null> {
  const rows: RunRow[] =
    runRef === 'latest'
      ? await ds.query(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs ORDER BY id DESC LIMIT 1`)
      : /^\d{1,18}$/.test(runRef)
        ? await ds.query(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE id = $1`, [runRef])
        : [];
  return rows.length === 0 ? null : toRunView(rows[0]);
}

/** The run and every result, ordered by |difference| descending then merchant. */
export async function loadRunReport(ds: DataSource, runRef: string): Promise<RunReport | null> {
  const run = await loadRun(ds, runRef);
  if (!run) return null;
  const rows: ResultViewRow[] = await ds.query(
    `SELECT a.merchant_id, a.provider, a.account_no, r.status, r.provider_balance, r.ledger_balance,
            r.difference, r.in_flight_amount, r.currency, r.response_code, r.attempts, r.provider_time,
            r.error_message, r.provider_status, r.provider_name,
            r.attribution->>'summary' AS explanation
       FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
      WHERE r.run_id = $1
      ORDER BY abs(r.difference) DESC NULLS LAST, a.merchant_id, a.provider, a.account_no`,
    [run.id],
  );
  return {
    run,
    results: rows.map(toResultView),
  };
}
