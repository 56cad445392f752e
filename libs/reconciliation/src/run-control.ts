import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { balanceJobId } from '@app/queue';
import type { ProviderName } from '@app/snap';
import type { RunFilter } from './create-run';
import { computeSummary } from './finalize-run';
import { accountKeyText, accountsRepository, sellerHints } from '@app/ledger';
import * as resultsRepository from './repositories/results.repository';
import * as runsRepository from './repositories/runs.repository';

/** A running run covering the same accounts a new run with `filter` would (a full list run never matches). */
export function runningRunOfScope(
  ds: DataSource,
  filter: Pick<RunFilter, 'provider' | 'merchantId'>,
): Promise<string | null> {
  return runsRepository.findRunningOfScope(ds, filter);
}

/**
 * Records a scheduled tick that started nothing because run `runningId` of the same scope was
 * still running: a run row `skipped` (no accounts, finished at once) under the tick's schedule
 * key, so the runs list shows the gap and why. Returns its id (or the existing row's).
 */
export async function recordSkippedTick(
  ds: DataSource,
  scheduleKey: string,
  runningId: string,
): Promise<string> {
  const note = `skipped: run ${runningId} of the same scope was still running`;
  const inserted = await runsRepository.insertSkipped(ds, scheduleKey, note);
  if (inserted !== null) return inserted;
  return (await runsRepository.findBySchedule(ds, scheduleKey))!.runId;
}

/** What cancelling a run did. */
export type CancelOutcome =
  | {
      cancelled: true;
      runId: string;
      /** The run's jobs removed from the queues: waiting, delayed or done (not in flight). */
      removedJobs: number;
      resultsKept: number;
    }
  | { cancelled: false; runId: string; status: string | null };

const REMOVE_CHUNK = 500;

/**
 * Cancels a running run: status `cancelled` with the summary of the results so far (kept),
 * and its jobs still in the queues (waiting, delayed or done) removed. A job already in flight
 * finishes, but its result is not saved (results are written only to a running run), so the
 * summary and the results kept always agree; workers skip any job of a run no longer
 * running. Not running (finished, already cancelled) or unknown: nothing changes.
 */
export async function cancelRun(
  ds: DataSource,
  queues: Record<ProviderName, Queue>,
  runId: string,
  note: string,
): Promise<CancelOutcome> {
  // The run's row locked first: a result write under way ends before the sum is taken, and
  // those after it find the run cancelled.
  const cancelled = await ds.transaction(async (tx) => {
    if (!(await runsRepository.lockRunning(tx, runId))) return false;
    return runsRepository.cancel(tx, runId, await computeSummary(tx, runId), note);
  });
  if (!cancelled)
    return { cancelled: false, runId, status: await runsRepository.findStatus(ds, runId) };
  // Every job of the run still in a queue: waiting, delayed (a retry, a re-check) or done.
  const pending = await runsRepository.findAccounts(ds, runId);
  let removedJobs = 0;
  for (let i = 0; i < pending.length; i += REMOVE_CHUNK) {
    const removed = await Promise.all(
      pending
        .slice(i, i + REMOVE_CHUNK)
        // 0 for a job in flight (locked) or already gone.
        .map((a) => queues[a.provider].remove(balanceJobId(runId, a.id))),
    );
    removedJobs += removed.filter((n) => n === 1).length;
  }
  const resultsKept = await resultsRepository.countByRun(ds, runId);
  return { cancelled: true, runId, removedJobs, resultsKept };
}

/** An account asked for by its key that cannot be reconciled, and why. */
export interface AccountProblem {
  /** Its position in the list asked for. */
  index: number;
  provider: ProviderName;
  accountNo: string;
  msId?: string | null;
  /** `is not a known account`, with the sellers to name when only sellers have the number. */
  reason: string;
}

/**
 * Account ids for account keys (`provider`, `accountNo`, and `msId` for a NICEPay seller); the
 * keys not found (or disabled) listed by index.
 */
export async function resolveAccounts(
  ds: DataSource,
  accounts: { provider: ProviderName; accountNo: string; msId?: string | null }[],
): Promise<{ ids: string[]; problems: AccountProblem[] }> {
  const rows = await accountsRepository.resolveKeys(ds, accounts);
  const ids: string[] = [];
  const problems: AccountProblem[] = [];
  for (const [i, r] of rows.entries()) {
    const account = { index: i, ...accounts[i] };
    if (r.id === null)
      problems.push(Object.assign({}, account, { reason: 'is not a known account' }));
    else if (!r.enabled) problems.push(Object.assign({}, account, { reason: 'is disabled' }));
    else ids.push(r.id);
  }
  const unknown = problems.filter((p) => p.reason === 'is not a known account');
  if (unknown.length > 0) {
    const hints = await sellerHints(ds, unknown, 'msId');
    for (const p of unknown) {
      const hint = hints.get(accountKeyText(p));
      if (hint) p.reason += `; ${hint}`;
    }
  }
  // The same account asked for twice is reconciled (and audited) once.
  return { ids: [...new Set(ids)], problems };
}
