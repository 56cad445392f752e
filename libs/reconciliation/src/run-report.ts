import type { DataSource } from 'typeorm';
import { moneyOf } from '@app/ledger';
import { describeStatus, formatAmount } from '@app/snap';
import type { Db } from '@app/ledger';
import { computeSummary, emptyCounts, StatusCounts } from './finalize-run';
import * as runReportsRepository from './repositories/run-reports.repository';
import type { ResultRecord, RunRecord } from './repositories/run-reports.repository';
import type { ResultStatus, RunStatus, RunTrigger } from './result-status';

/*
 * How reports show runs and results to people: amounts formatted, instants as ISO strings.
 * The rows come from the reports' read models (`repositories/run-reports.repository.ts`).
 */

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
  /**
   * Counts per status, and below per provider and the break totals: a running run's are
   * live, computed from the results stored so far; an ended run's are those it was finished
   * (or cancelled) with.
   */
  counts: StatusCounts;
  byProvider: Record<string, StatusCounts>;
  /**
   * Results that are breaks: `mismatched`, and `inactive` with a difference; null for a run
   * ended before the count was recorded (2026-12-06).
   */
  breakCount: number | null;
  /** Decimal strings, e.g. `"10000.00"`. */
  totalAbsDifference: string;
  largestAbsDifference: string;
}

/** One account's result as reports show it; amounts are decimal strings. */
export interface ResultView {
  merchantId: string;
  provider: string;
  accountNo: string;
  /** The seller under the merchant `accountNo` (NICEPay `msId`), for a seller's account. */
  msId: string | null;
  status: ResultStatus;
  providerBalance: string | null;
  ledgerBalance: string | null;
  difference: string | null;
  inFlightAmount: string | null;
  currency: string | null;
  responseCode: string | null;
  attempts: number;
  providerTime: string | null;
  /**
   * The instant the ledger balance was read as of, on our clock: the provider's time kept
   * inside the span of its request (so not always `providerTime`), else the request time.
   */
  asOf: string | null;
  error: string | null;
  /** The account-status values the provider gave, e.g. `userStatus=premium, status=blocked`. */
  providerStatus: string | null;
  /** The merchant name the provider reported. */
  providerName: string | null;
  /** A break explained from the provider's history, in one line (issue 15). */
  explanation: string | null;
  /** The X-EXTERNAL-ID of the request that made the result: what the provider logged it by. */
  externalId: string | null;
  /** The provider's own id of its answer (`referenceNo`), where it gave one. */
  providerReference: string | null;
}

export interface RunReport {
  run: RunView;
  results: ResultView[];
}

const money = (v: bigint | null) => (v === null ? null : formatAmount(v));

/** A run as reports show it. */
export function toRunView(run: RunRecord): RunView {
  const summary = run.summary;
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    providerFilter: run.providerFilter,
    merchantFilter: run.merchantFilter,
    accountCount: run.accountCount,
    completedCount: run.completedCount,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    // In status order: jsonb keeps object keys in its own order (shortest first).
    counts: { ...emptyCounts(), ...summary?.counts },
    byProvider: Object.fromEntries(
      Object.entries(summary?.byProvider ?? {}).map(([p, c]) => [p, { ...emptyCounts(), ...c }]),
    ),
    breakCount: summary ? (summary.breakCount ?? null) : 0,
    totalAbsDifference: formatAmount(moneyOf(summary?.totalAbsDifference ?? '0')),
    largestAbsDifference: formatAmount(moneyOf(summary?.largestAbsDifference ?? '0')),
  };
}

/** A result as reports show it. */
export function toResultView(r: ResultRecord): ResultView {
  return {
    merchantId: r.merchantId,
    provider: r.provider,
    accountNo: r.accountNo,
    msId: r.msId,
    status: r.status,
    providerBalance: money(r.providerBalance),
    ledgerBalance: money(r.ledgerBalance),
    difference: money(r.difference),
    inFlightAmount: money(r.inFlightAmount),
    currency: r.currency,
    responseCode: r.responseCode,
    attempts: r.attempts,
    providerTime: r.providerTime?.toISOString() ?? null,
    asOf: r.asOf?.toISOString() ?? null,
    error: r.errorMessage,
    providerStatus: r.providerStatus ? describeStatus(r.providerStatus) : null,
    providerName: r.providerName,
    explanation: r.explanation,
    externalId: r.externalId,
    providerReference: r.providerReference,
  };
}

/**
 * The run with its figures so far when it is still running: its stored summary is written only
 * when it ends (finished or cancelled), so until then the counts are computed from its results.
 * A run that ends meanwhile is counted from all its results, the same its summary holds.
 */
export async function withLiveSummary(db: Db, run: RunRecord): Promise<RunRecord> {
  return run.status === 'running'
    ? Object.assign({}, run, { summary: await computeSummary(db, run.id) })
    : run;
}

/**
 * A run by id, or the most recent one for `latest`; `null` when there is none. `liveCounts:
 * false` skips counting a running run's results (a poll that reads only its status and
 * progress: counting 100,000 results each time would cost Postgres more than the poll).
 */
export async function loadRun(
  ds: DataSource,
  runRef: string,
  { liveCounts = true }: { liveCounts?: boolean } = {},
): Promise<RunView | null> {
  const run = await runReportsRepository.findRun(ds, runRef);
  if (run === null) return null;
  return toRunView(liveCounts ? await withLiveSummary(ds, run) : run);
}

/** The run and every result, ordered by |difference| descending then merchant. */
export async function loadRunReport(ds: DataSource, runRef: string): Promise<RunReport | null> {
  const run = await loadRun(ds, runRef);
  if (!run) return null;
  const results = await runReportsRepository.findRunResults(ds, run.id);
  return { run, results: results.map(toResultView) };
}
