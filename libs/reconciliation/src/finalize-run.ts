import type { DataSource } from 'typeorm';
import type { Db } from '@app/ledger';
import * as discrepanciesRepository from './repositories/discrepancies.repository';
import * as resultsRepository from './repositories/results.repository';
import * as runsRepository from './repositories/runs.repository';
import { RESULT_STATUSES, ResultStatus } from './result-status';

export type StatusCounts = Record<ResultStatus, number>;

/** A finished run's figures; amounts are decimal strings of minor units (`bigint` in JSON). */
export interface RunSummary {
  counts: StatusCounts;
  byProvider: Record<string, StatusCounts>;
  /**
   * Results that are breaks: `mismatched`, and `inactive` with a difference (the per-status
   * counts count the second kind as `inactive`). Missing in summaries stored before it was.
   */
  breakCount?: number;
  /** Sum of |difference| over the breaks, in minor units, as a string. */
  totalAbsDifference: string;
  /** Largest |difference| of a break, in minor units, as a string. */
  largestAbsDifference: string;
}

/** What finalizing a run did. */
export interface FinalizedRun {
  runId: string;
  /** How long the run ran, from its start to now, in seconds. */
  durationSeconds: number;
}

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(RESULT_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/** Counts per status and per provider, and the break totals, from the run's results. */
export async function computeSummary(db: Db, runId: string): Promise<RunSummary> {
  const summary: RunSummary = {
    counts: emptyCounts(),
    byProvider: {},
    breakCount: 0,
    totalAbsDifference: '0',
    largestAbsDifference: '0',
  };
  let breaks = 0;
  let total = 0n;
  let largest = 0n;
  for (const group of await resultsRepository.summarize(db, runId)) {
    summary.counts[group.status] += group.count;
    summary.byProvider[group.provider] ??= emptyCounts();
    summary.byProvider[group.provider][group.status] += group.count;
    breaks += group.breakCount;
    if (group.totalAbsDifference !== null) total += group.totalAbsDifference;
    if (group.largestAbsDifference !== null && group.largestAbsDifference > largest)
      largest = group.largestAbsDifference;
  }
  summary.breakCount = breaks;
  summary.totalAbsDifference = total.toString();
  summary.largestAbsDifference = largest.toString();
  return summary;
}

/**
 * Marks a running run finished with its summary and applies its results to the discrepancies,
 * in one transaction (its `finished_at` the moment both are done); `tolerance`
 * (RECON_TOLERANCE) says how far an acknowledged discrepancy's difference may move before it is
 * reopened. Returns the run's duration, or null if it was no longer running (another process
 * finished or cancelled it first): then nothing changes.
 */
export async function finalizeRun(
  ds: DataSource,
  runId: string,
  tolerance: bigint,
): Promise<FinalizedRun | null> {
  const summary = await computeSummary(ds, runId);
  return ds.transaction(async (tx) => {
    if ((await runsRepository.finish(tx, runId, summary)) === null) return null;
    await discrepanciesRepository.applyRunResults(tx, runId, tolerance);
    return { runId, durationSeconds: await runsRepository.stampFinishedAt(tx, runId) };
  });
}
