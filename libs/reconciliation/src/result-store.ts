import type { DataSource } from 'typeorm';
import { batcherFor, MicroBatcher } from '@app/infra';
import { AccountResult, accountResult } from './account-result';
import { FinalizedRun, finalizeRun } from './finalize-run';
import * as resultsRepository from './repositories/results.repository';
import { withoutSecrets } from './result-redaction';

/** What saving one result did. */
export interface SaveOutcome {
  /** False when a final result was already there (a retry never writes twice) or the run was closed. */
  written: boolean;
  /** True when the run was no longer running (cancelled, closed): the result was dropped. */
  runClosed: boolean;
  /** True when this result completed the run and the run was finalized. */
  runFinished: boolean;
  /** The run this result finalized (with its duration), when {@link runFinished}. */
  finishedRun?: FinalizedRun;
}

/** Most results written by one statement. */
const MAX_BATCH = 200;

const keyOf = resultsRepository.resultKey;
const byKey = (a: AccountResult, b: AccountResult) =>
  a.runId.length - b.runId.length ||
  (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0) ||
  a.accountId.length - b.accountId.length ||
  (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0);

/** A result to save, and the tolerance its run is finalized with should it complete it. */
interface Save {
  result: AccountResult;
  tolerance: bigint;
}

const saveBatchers = new WeakMap<DataSource, MicroBatcher<Save, SaveOutcome>>();

/**
 * Upserts an account's result, unique per (run, account): a row is only overwritten while it is
 * not final, and the run's completed-accounts counter moves only when a row becomes final. The
 * result that completes the run finalizes it with `tolerance` (RECON_TOLERANCE, see
 * {@link finalizeRun}), and only that one reports `runFinished`.
 *
 * Concurrent calls on the same data source (a worker's jobs) are written together by one
 * statement of up to 200 rows, which also bumps each run's counter once by the number of its
 * rows that became final: far fewer commits and a far less contended run row than one
 * statement per result. A lone call goes out at once; the promise resolves once the result is
 * committed. Two results of the same (run, account) never share a statement. Remembered secret
 * values are redacted from the provider's texts first ({@link withoutSecrets}).
 */
export function saveResult(
  ds: DataSource,
  r: AccountResult,
  tolerance: bigint,
): Promise<SaveOutcome> {
  const batcher = batcherFor(
    saveBatchers,
    ds,
    () =>
      new MicroBatcher<Save, SaveOutcome>((saves) => saveResults(ds, saves), {
        maxBatch: MAX_BATCH,
        // One write at a time (they would queue on the run row and the WAL flush anyway):
        // results arriving meanwhile go into the next statement, a group commit.
        maxInFlight: 1,
        key: (x) => keyOf(x.result.runId, x.result.accountId),
      }),
  );
  // One hidden class for every result from here on (see accountResult).
  return batcher.add({ result: withoutSecrets(accountResult(r)), tolerance });
}

/** Writes results of distinct (run, account) in one statement; outcomes in input order. */
async function saveResults(ds: DataSource, saves: Save[]): Promise<SaveOutcome[]> {
  const input = saves.map((s) => s.result);
  const toleranceOf = new Map(saves.map((s) => [s.result, s.tolerance]));
  // A steady row order, so concurrent statements lock result rows in the same order.
  const results = [...input].sort(byKey);
  const { written, madeFinal, completedRuns, closedRuns } = await resultsRepository.upsertBatch(
    ds,
    results,
  );
  const outcomes = new Map<string, SaveOutcome>(
    input.map((r) => [
      keyOf(r.runId, r.accountId),
      {
        written: written.has(keyOf(r.runId, r.accountId)),
        runClosed: closedRuns.has(r.runId),
        runFinished: false,
      },
    ]),
  );
  for (const runId of completedRuns) {
    const ofRun = results.filter((r) => r.runId === runId).reverse();
    // The run's last result to become final in this statement is the one that completed it.
    const last = ofRun.find((r) => madeFinal.has(keyOf(r.runId, r.accountId)));
    // Finalized with its caller's tolerance (every caller of a process passes RECON_TOLERANCE).
    const finished = await finalizeRun(ds, runId, toleranceOf.get(last ?? ofRun[0])!);
    if (!finished) continue;
    if (last)
      Object.assign(outcomes.get(keyOf(last.runId, last.accountId))!, {
        runFinished: true,
        finishedRun: finished,
      });
  }
  return input.map((r) => outcomes.get(keyOf(r.runId, r.accountId))!);
}
