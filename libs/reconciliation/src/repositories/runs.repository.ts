import { affectedRows, countOf, Db, idOf } from '@app/ledger';
import type { ProviderName } from '@app/snap';
import type { RunStatus, RunTrigger } from '../result-status';

/**
 * `reconciliation_runs`: the only code that writes it, and the only code that reads it outside
 * the reports' read models. A run's account set (`account_ids`) is fixed at creation.
 */

/** What creating a run row gave: its id and how many accounts it covers. */
export interface RunRef {
  runId: string;
  accountCount: number;
}

/** Which accounts a new run covers; each filter optional. */
export interface RunScope {
  provider?: string | null;
  merchantId?: string | null;
  /** Only these accounts (a re-check of a list). */
  accountIds?: string[] | null;
}

/** An account of a run, with its provider (the queue its job goes to). */
export interface RunAccount {
  id: string;
  provider: ProviderName;
}

/** A running run as the sweeper judges it. */
export interface RunningRunState {
  id: string;
  /** Every account has a final result. */
  complete: boolean;
  /** No result for at least the quiet period. */
  quiet: boolean;
  /** Started longer ago than the deadline. */
  overdue: boolean;
}

/**
 * Inserts a run covering every enabled account of the scope, in one statement, so the set is
 * fixed at creation. `null` when a run of this `scheduleKey` exists already.
 */
export async function create(
  db: Db,
  trigger: RunTrigger,
  scope: RunScope,
  scheduleKey: string | null,
): Promise<RunRef | null> {
  const rows: { id: string; account_count: number }[] = await db.query(
    `INSERT INTO reconciliation_runs (trigger, schedule_key, provider_filter, merchant_filter, account_ids, account_count, account_list)
     SELECT $1, $2, $3, $4, coalesce(array_agg(id ORDER BY id), '{}'), count(*), $5::bigint[] IS NOT NULL
       FROM provider_accounts
      WHERE enabled AND ($3::text IS NULL OR provider = $3) AND ($4::text IS NULL OR merchant_id = $4)
        AND ($5::bigint[] IS NULL OR id = ANY ($5::bigint[]))
     ON CONFLICT (schedule_key) DO NOTHING
     RETURNING id, account_count`,
    [
      trigger,
      scheduleKey,
      scope.provider ?? null,
      scope.merchantId ?? null,
      scope.accountIds ?? null,
    ],
  );
  return rows.length === 0
    ? null
    : { runId: idOf(rows[0].id), accountCount: rows[0].account_count };
}

/**
 * What accounts there are for a run scope that matched no enabled one, as a sentence for the
 * refusal: the merchant's providers (and which are disabled), or the provider's disabled count.
 */
export async function scopeHint(db: Db, scope: RunScope): Promise<string> {
  if (scope.merchantId !== undefined) {
    const rows: { provider: string; enabled: number; total: number }[] = await db.query(
      `SELECT provider, count(*) FILTER (WHERE enabled)::int AS enabled, count(*)::int AS total
         FROM provider_accounts WHERE merchant_id = $1 GROUP BY provider ORDER BY provider`,
      [scope.merchantId],
    );
    const name = JSON.stringify(scope.merchantId);
    if (rows.length === 0) return `merchant ${name} has no accounts`;
    const at = rows.map((r) => (r.enabled > 0 ? r.provider : `${r.provider} (disabled)`));
    return `merchant ${name} has accounts at ${at.join(', ')}`;
  }
  const [{ total }]: { total: number }[] = await db.query(
    `SELECT count(*)::int AS total FROM provider_accounts WHERE provider = $1`,
    [scope.provider],
  );
  return total === 0 ? `there are no ${scope.provider} accounts` : `all ${total} are disabled`;
}

/** The run of a schedule tick, or null. */
export async function findBySchedule(db: Db, scheduleKey: string | null): Promise<RunRef | null> {
  const rows: { id: string; account_count: number }[] = await db.query(
    `SELECT id, account_count FROM reconciliation_runs WHERE schedule_key = $1`,
    [scheduleKey],
  );
  return rows.length === 0
    ? null
    : { runId: idOf(rows[0].id), accountCount: rows[0].account_count };
}

/**
 * Inserts a scheduled tick that started nothing: a `skipped` run (no accounts, finished at
 * once) with `note`. `null` when the tick's row exists already.
 */
export async function insertSkipped(
  db: Db,
  scheduleKey: string,
  note: string,
): Promise<string | null> {
  const rows: { id: string }[] = await db.query(
    `INSERT INTO reconciliation_runs (trigger, schedule_key, status, account_ids, account_count, finished_at, note)
     VALUES ('schedule', $1, 'skipped', '{}', 0, now(), $2)
     ON CONFLICT (schedule_key) DO NOTHING RETURNING id`,
    [scheduleKey, note],
  );
  return rows[0] ? idOf(rows[0].id) : null;
}

/** A running run covering the same scope (a full-list run never matches), or null. */
export async function findRunningOfScope(
  db: Db,
  scope: Pick<RunScope, 'provider' | 'merchantId'>,
): Promise<string | null> {
  const rows: { id: string }[] = await db.query(
    `SELECT id FROM reconciliation_runs
      WHERE status = 'running' AND NOT account_list
        AND provider_filter IS NOT DISTINCT FROM $1 AND merchant_filter IS NOT DISTINCT FROM $2
      ORDER BY id LIMIT 1`,
    [scope.provider ?? null, scope.merchantId ?? null],
  );
  return rows[0] ? idOf(rows[0].id) : null;
}

/** Ids of the running runs. */
export async function findRunningIds(db: Db): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `SELECT id FROM reconciliation_runs WHERE status = 'running'`,
  );
  return rows.map((r) => idOf(r.id));
}

/**
 * Every running run with what the sweeper needs: complete (all counted), quiet (no result for
 * `quietMs`, or none since it started), overdue (started more than `deadlineSeconds` ago).
 */
export async function findRunningStates(
  db: Db,
  quietMs: number,
  deadlineSeconds: number,
): Promise<RunningRunState[]> {
  const rows: { id: string; complete: boolean; quiet: boolean; overdue: boolean }[] =
    await db.query(
      `SELECT r.id, r.completed_count >= r.account_count AS complete,
              coalesce((SELECT max(x.checked_at) FROM reconciliation_results x WHERE x.run_id = r.id), r.started_at)
                < now() - make_interval(secs => $1::float8 / 1000) AS quiet,
              r.started_at < now() - make_interval(secs => $2::float8) AS overdue
         FROM reconciliation_runs r WHERE r.status = 'running'`,
      [quietMs, deadlineSeconds],
    );
  return rows.map((r) => Object.assign({}, r, { id: idOf(r.id) }));
}

/** The status of a run, or null when there is no such run. */
export async function findStatus(db: Db, runId: string): Promise<RunStatus | null> {
  const rows: { status: RunStatus }[] = await db.query(
    `SELECT status FROM reconciliation_runs WHERE id = $1`,
    [runId],
  );
  return rows[0]?.status ?? null;
}

/** Each run's status, in the order given; null for a run that does not exist. */
export async function findStatuses(db: Db, runIds: readonly string[]): Promise<(string | null)[]> {
  const rows: { id: string; status: string }[] = await db.query(
    `SELECT id::text AS id, status FROM reconciliation_runs WHERE id = ANY($1::bigint[])`,
    [runIds],
  );
  const byId = new Map(rows.map((r) => [r.id, r.status]));
  return runIds.map((id) => byId.get(id) ?? null);
}

/** The account ids a run was created for, or null when there is no such run. */
export async function findAccountIds(db: Db, runId: string): Promise<string[] | null> {
  const rows: { ids: string[] }[] = await db.query(
    `SELECT account_ids::text[] AS ids FROM reconciliation_runs WHERE id = $1`,
    [runId],
  );
  return rows.length ? rows[0].ids : null;
}

/** Every account of the run, with its provider. */
export async function findAccounts(db: Db, runId: string): Promise<RunAccount[]> {
  const rows: { id: string; provider: ProviderName }[] = await db.query(
    `SELECT a.id, a.provider
       FROM reconciliation_runs r
       JOIN LATERAL unnest(r.account_ids) AS ids(id) ON true
       JOIN provider_accounts a ON a.id = ids.id
      WHERE r.id = $1`,
    [runId],
  );
  return rows.map(toRunAccount);
}

/**
 * The run's accounts that have no final result yet: all of them, only while the run is
 * `running` (`onlyIfRunning`), only one provider's (`provider`); in id order when `ordered`.
 */
export async function findAccountsWithoutFinalResult(
  db: Db,
  runId: string,
  options: { onlyIfRunning?: boolean; provider?: ProviderName; ordered?: boolean } = {},
): Promise<RunAccount[]> {
  const rows: { id: string; provider: ProviderName }[] = await db.query(
    `SELECT a.id, a.provider
       FROM reconciliation_runs r
       JOIN LATERAL unnest(r.account_ids) AS ids(id) ON true
       JOIN provider_accounts a ON a.id = ids.id
      WHERE r.id = $1${options.onlyIfRunning ? ` AND r.status = 'running'` : ''}${options.provider ? ' AND a.provider = $2' : ''}
        AND NOT EXISTS (SELECT 1 FROM reconciliation_results x
                         WHERE x.run_id = r.id AND x.account_id = a.id AND x.is_final)${options.ordered ? '\n      ORDER BY a.id' : ''}`,
    options.provider ? [runId, options.provider] : [runId],
  );
  return rows.map(toRunAccount);
}

const toRunAccount = (r: { id: string; provider: ProviderName }): RunAccount => ({
  id: idOf(r.id),
  provider: r.provider,
});

/**
 * Marks a running run `finished` with its summary. Returns how long it ran (seconds), or null
 * when it was not running (another process finished or cancelled it first).
 */
export async function finish(db: Db, runId: string, summary: unknown): Promise<number | null> {
  const { rows } = affectedRows<{ seconds: number }>(
    await db.query(
      `UPDATE reconciliation_runs SET status = 'finished', finished_at = now(), summary = $2
        WHERE id = $1 AND status = 'running'
        RETURNING extract(epoch FROM finished_at - started_at)::float8 AS seconds`,
      [runId, JSON.stringify(summary)],
    ),
  );
  return rows.length === 0 ? null : Number(rows[0].seconds);
}

/**
 * Sets a run's `finished_at` to the present moment, not its transaction's start (`now()`), and
 * returns how long it ran (seconds): called last in the finalizing transaction, so the time spent
 * applying its results to the discrepancies counts in the run's time.
 */
export async function stampFinishedAt(db: Db, runId: string): Promise<number> {
  const { rows } = affectedRows<{ seconds: number }>(
    await db.query(
      `UPDATE reconciliation_runs SET finished_at = clock_timestamp() WHERE id = $1
        RETURNING extract(epoch FROM finished_at - started_at)::float8 AS seconds`,
      [runId],
    ),
  );
  return Number(rows[0].seconds);
}

/** Marks a finished run's alerts queued (`announced_at`), once. */
export async function markAnnounced(db: Db, runId: string): Promise<void> {
  await db.query(
    `UPDATE reconciliation_runs SET announced_at = now() WHERE id = $1 AND announced_at IS NULL`,
    [runId],
  );
}

/**
 * Finished runs whose alerts were never queued, finished more than `graceMs` ago (the worker
 * that finished one queues them within milliseconds), oldest first, at most `limit`.
 */
export async function findUnannounced(db: Db, graceMs: number, limit = 100): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `SELECT id FROM reconciliation_runs
      WHERE status = 'finished' AND announced_at IS NULL
        AND finished_at < now() - make_interval(secs => $1)
      ORDER BY id LIMIT $2`,
    [graceMs / 1000, limit],
  );
  return rows.map((r) => idOf(r.id));
}

/**
 * Locks a running run's row until the transaction ends (a result write waits, then finds it
 * no longer running); false when it is not running.
 */
export async function lockRunning(db: Db, runId: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT id FROM reconciliation_runs WHERE id = $1 AND status = 'running' FOR UPDATE`,
    [runId],
  );
  return rows.length > 0;
}

/** Marks a running run `cancelled` with its summary so far and a note; false when not running. */
export async function cancel(
  db: Db,
  runId: string,
  summary: unknown,
  note: string,
): Promise<boolean> {
  const { rows } = affectedRows<{ id: string }>(
    await db.query(
      `UPDATE reconciliation_runs SET status = 'cancelled', finished_at = now(), summary = $2, note = $3
        WHERE id = $1 AND status = 'running' RETURNING id`,
      [runId, JSON.stringify(summary), note],
    ),
  );
  return rows.length > 0;
}

/**
 * Marks the running runs started more than `deadlineSeconds` ago as stalled, each once;
 * returns the ids marked now, in id order.
 */
export async function markStalled(db: Db, deadlineSeconds: number): Promise<string[]> {
  const { rows } = affectedRows<{ id: string }>(
    await db.query(
      `UPDATE reconciliation_runs SET stalled_at = now()
        WHERE status = 'running' AND stalled_at IS NULL AND started_at < now() - make_interval(secs => $1)
        RETURNING id`,
      [deadlineSeconds],
    ),
  );
  return rows.map((r) => idOf(r.id)).sort((a, b) => Number(a) - Number(b));
}

/**
 * Deletes up to `batchSize` runs started before `cutoff` that are over and hold nothing
 * (no result left, no discrepancy naming them: every run column of `discrepancies` has a
 * foreign key, so one missed here fails the whole statement); returns how many.
 *
 * One NOT EXISTS per run column, each answered by that column's index (migrations
 * RetentionIndexes, DiscrepancyRunIndexes): the planner turns them into anti joins over the
 * indexes. The single `r.id IN (d.opened_run_id, …)` test it replaces was an OR across four
 * columns, probed once per candidate run with a bitmap OR of four index scans (or, with any of
 * the columns unindexed, a scan of every discrepancy per run).
 */
export async function deleteExpired(db: Db, cutoff: Date, batchSize: number): Promise<number> {
  const { affected } = affectedRows(
    await db.query(
      `DELETE FROM reconciliation_runs WHERE id IN (
         SELECT r.id FROM reconciliation_runs r
          WHERE r.started_at < $1 AND r.status <> 'running'
            AND NOT EXISTS (SELECT 1 FROM reconciliation_results x WHERE x.run_id = r.id)
            AND NOT EXISTS (SELECT 1 FROM discrepancies d WHERE d.opened_run_id = r.id)
            AND NOT EXISTS (SELECT 1 FROM discrepancies d WHERE d.last_run_id = r.id)
            AND NOT EXISTS (SELECT 1 FROM discrepancies d WHERE d.resolved_run_id = r.id)
            AND NOT EXISTS (SELECT 1 FROM discrepancies d WHERE d.reopened_run_id = r.id)
          LIMIT $2)`,
      [cutoff, batchSize],
    ),
  );
  return countOf(affected);
}
