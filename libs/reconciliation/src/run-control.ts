import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { balanceJobId } from '@app/queue';
import type { ProviderName } from '@app/snap';
import type { RunFilter } from './enqueue-run';
import { computeSummary } from './finalize-run';

/** A running run covering the same accounts a new run with `filter` would (a full list run never matches). */
export async function runningRunOfScope(
  ds: DataSource,
  filter: Pick<RunFilter, 'provider' | 'merchantId'>,
): Promise<string | null> {
  const rows: { id: string }[] = await ds.query(
    `SELECT id FROM reconciliation_runs
      WHERE status = 'running' AND NOT account_list
        AND provider_filter IS NOT DISTINCT FROM $1 AND merchant_filter IS NOT DISTINCT FROM $2
      ORDER BY id LIMIT 1`,
    [filter.provider ?? null, filter.merchantId ?? null],
  );
  return rows[0] ? String(rows[0].id) : null;
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
  const rows: { id: string }[] = await ds.query(
    `INSERT INTO reconciliation_runs (trigger, schedule_key, status, account_ids, account_count, finished_at, note)
     VALUES ('schedule', $1, 'skipped', '{}', 0, now(), $2)
     ON CONFLICT (schedule_key) DO NOTHING RETURNING id`,
    [scheduleKey, note],
  );
  if (rows[0]) return String(rows[0].id);
  const [existing]: { id: string }[] = await ds.query(
    `SELECT id FROM reconciliation_runs WHERE schedule_key = $1`,
    [scheduleKey],
  );
  return String(existing.id);
}

/** What cancelling a run did. */
export type CancelOutcome =
  | { cancelled: true; runId: string; removedJobs: number; resultsKept: number }
  | { cancelled: false; runId: string; status: string | null };

const REMOVE_CHUNK = 500;

/**
 * Cancels a running run: status `cancelled` with the summary of the results so far (kept),
 * and its jobs still waiting or delayed removed from the queues. A job already in flight
 * finishes and its result is kept too; workers skip any job of a run no longer running.
 * Not running (finished, already cancelled) or unknown: nothing changes.
 */
export async function cancelRun(
  ds: DataSource,
  queues: Record<ProviderName, Queue>,
  runId: string,
  note: string,
): Promise<CancelOutcome> {
  const summary = await computeSummary(ds, runId);
  // TypeORM answers an UPDATE with [rows, affected count].
  const [updated]: [{ id: string }[], number] = await ds.query(
    `UPDATE reconciliation_runs SET status = 'cancelled', finished_at = now(), summary = $2, note = $3
      WHERE id = $1 AND status = 'running' RETURNING id`,
    [runId, JSON.stringify(summary), note],
  );
  if (updated.length === 0) {
    const rows: { status: string }[] = await ds.query(
      `SELECT status FROM reconciliation_runs WHERE id = $1`,
      [runId],
    );
    return { cancelled: false, runId, status: rows[0]?.status ?? null };
  }
  // Every job of the run still in a queue: waiting, delayed (a retry, a re-check) or done.
  const pending: { id: string; provider: ProviderName }[] = await ds.query(
    `SELECT a.id, a.provider
       FROM reconciliation_runs r
       JOIN LATERAL unnest(r.account_ids) AS ids(id) ON true
       JOIN provider_accounts a ON a.id = ids.id
      WHERE r.id = $1`,
    [runId],
  );
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
  const [{ n }]: { n: string }[] = await ds.query(
    `SELECT count(*) AS n FROM reconciliation_results WHERE run_id = $1`,
    [runId],
  );
  return { cancelled: true, runId, removedJobs, resultsKept: Number(n) };
}

/** Account ids for `provider/accountNo` pairs; the pairs not found (or disabled) listed by index. */
export async function resolveAccounts(
  ds: DataSource,
  accounts: { provider: ProviderName; accountNo: string }[],
): Promise<{ ids: string[]; problems: string[] }> {
  const rows: { i: string; id: string | null; enabled: boolean | null }[] = await ds.query(
    `SELECT t.i, a.id, a.enabled
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(provider, account_no, i)
       LEFT JOIN provider_accounts a ON a.provider = t.provider AND a.account_no = t.account_no
      ORDER BY t.i`,
    [accounts.map((a) => a.provider), accounts.map((a) => a.accountNo)],
  );
  const ids: string[] = [];
  const problems: string[] = [];
  for (const r of rows) {
    const i = Number(r.i) - 1;
    const name = `${accounts[i].provider}/${accounts[i].accountNo}`;
    if (r.id === null)
      problems.push(`accounts[${i}]: ${JSON.stringify(name)} is not a known account`);
    else if (!r.enabled) problems.push(`accounts[${i}]: ${JSON.stringify(name)} is disabled`);
    else ids.push(String(r.id));
  }
  return { ids, problems };
}
