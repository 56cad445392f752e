import type { DataSource } from 'typeorm';
import * as resultsRepository from './repositories/results.repository';
import * as runsRepository from './repositories/runs.repository';

/** What one retention pass deleted. */
export interface RetentionOutcome {
  /** Results deleted. */
  results: number;
  /** Runs deleted (their results were all gone). */
  runs: number;
  /** DELETE statements run (each at most one batch). */
  batches: number;
  /** Runs that started before this instant were candidates. */
  cutoff: Date;
}

/**
 * Deletes results and runs older than `olderThanDays` (by the run's start), in batches of
 * `batchSize` rows, one short transaction each, so a table of millions of rows is never locked
 * for long and the job can stop anywhere and resume next time. Kept whatever their age:
 *
 * - each account's latest result (its newest run with a result for it): the account page and
 *   the report always have a last known state;
 * - results an unresolved (open or acknowledged) discrepancy points at (opened or last seen);
 * - runs still running, runs holding a kept result, and runs any discrepancy refers to
 *   (discrepancies and the audit trail are never deleted here, and they name their runs).
 */
export async function deleteExpired(
  ds: DataSource,
  options: { olderThanDays: number; batchSize: number; now?: Date },
): Promise<RetentionOutcome> {
  const cutoff = new Date(
    (options.now ?? new Date()).getTime() - options.olderThanDays * 86_400_000,
  );
  const outcome: RetentionOutcome = { results: 0, runs: 0, batches: 0, cutoff };
  for (;;) {
    const deleted = await resultsRepository.deleteExpired(ds, cutoff, options.batchSize);
    outcome.batches++;
    outcome.results += deleted;
    if (deleted < options.batchSize) break;
  }
  for (;;) {
    const deleted = await runsRepository.deleteExpired(ds, cutoff, options.batchSize);
    outcome.batches++;
    outcome.runs += deleted;
    if (deleted < options.batchSize) break;
  }
  return outcome;
}
