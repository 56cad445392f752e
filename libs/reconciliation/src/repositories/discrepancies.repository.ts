import { countOf, Db, idOf, moneyOf } from '@app/ledger';
import { isBreakSql } from '../result-status';

/**
 * `discrepancies`: the only code that reads or writes it. At most one active (open or
 * acknowledged) discrepancy per account; a resolved one is never reopened, an acknowledged one
 * is when its difference moves (see {@link applyRunResults}).
 */

export type DiscrepancyStatus = 'open' | 'acknowledged' | 'resolved';

/** Which discrepancies to list: one status, `active` (open or acknowledged), or `all`. */
export type DiscrepancyFilter = DiscrepancyStatus | 'active' | 'all';

/** A discrepancy with its account, money in minor units. */
export interface DiscrepancyRecord {
  id: string;
  status: DiscrepancyStatus;
  merchantId: string;
  provider: string;
  accountNo: string;
  /** The seller under the merchant `accountNo` (NICEPay), for a seller's account. */
  msId: string | null;
  occurrences: number;
  openedRunId: string;
  lastRunId: string;
  firstDifference: bigint;
  lastDifference: bigint;
  openedAt: Date;
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  /** The difference when a person last acknowledged it (kept when a run reopens it). */
  acknowledgedDifference: bigint | null;
  resolvedAt: Date | null;
  note: string | null;
  /** The one-line explanation of the last run's break (its result's attribution), if any. */
  explanation: string | null;
}

/** An acknowledged discrepancy a run put back to `open` because its difference moved. */
export interface Reopening {
  discrepancyId: string;
  /** The run that found the difference moved. */
  runId: string;
}

interface DiscrepancyRow {
  id: string;
  status: DiscrepancyStatus;
  merchant_id: string;
  provider: string;
  account_no: string;
  ms_id: string | null;
  occurrences: number;
  opened_run_id: string;
  last_run_id: string;
  first_difference: string;
  last_difference: string;
  opened_at: Date;
  last_seen_at: Date;
  acknowledged_at: Date | null;
  acknowledged_difference: string | null;
  resolved_at: Date | null;
  note: string | null;
  explanation: string | null;
}

const SELECT = `SELECT d.id, d.status, a.merchant_id, a.provider, a.account_no, a.ms_id, d.occurrences,
  d.opened_run_id,
  d.last_run_id, d.first_difference, d.last_difference, d.opened_at, d.last_seen_at, d.acknowledged_at,
  d.acknowledged_difference, d.resolved_at, d.note, lr.attribution->>'summary' AS explanation
  FROM discrepancies d JOIN provider_accounts a ON a.id = d.account_id
  LEFT JOIN reconciliation_results lr ON lr.run_id = d.last_run_id AND lr.account_id = d.account_id`;

const STATUS_CONDITION = `($1 = 'all' OR d.status = $1 OR ($1 = 'active' AND d.status <> 'resolved'))`;

function toRecord(r: DiscrepancyRow): DiscrepancyRecord {
  return {
    id: idOf(r.id),
    status: r.status,
    merchantId: r.merchant_id,
    provider: r.provider,
    accountNo: r.account_no,
    msId: r.ms_id,
    occurrences: r.occurrences,
    openedRunId: idOf(r.opened_run_id),
    lastRunId: idOf(r.last_run_id),
    firstDifference: moneyOf(r.first_difference),
    lastDifference: moneyOf(r.last_difference),
    openedAt: r.opened_at,
    lastSeenAt: r.last_seen_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedDifference:
      r.acknowledged_difference === null ? null : moneyOf(r.acknowledged_difference),
    resolvedAt: r.resolved_at,
    note: r.note,
    explanation: r.explanation ?? null,
  };
}

/**
 * A result of run $1 (as `r`) that no run finished since $1 started has overtaken: no result
 * of such a run for the same account, matched or mismatched, is as of a later instant (as-ofs
 * are on our clock, inside the span of their request: see `reconciliationInstant`). Runs of
 * the same accounts can overlap (an hourly run beside an API re-check of a list, or a provider's
 * run): the one that finishes last must not apply an older observation over a newer one
 * (closing a break a newer check confirmed, or re-opening one it saw cleared). A run finished
 * before $1 started (less 10 minutes, the providers' clock allowance) holds only older
 * observations and is not looked at.
 */
const NOT_OVERTAKEN = `NOT EXISTS (
  SELECT 1 FROM reconciliation_runs n
    JOIN reconciliation_results r2 ON r2.run_id = n.id AND r2.account_id = r.account_id
   WHERE n.status = 'finished' AND n.id <> $1
     AND n.finished_at > (SELECT started_at FROM reconciliation_runs WHERE id = $1) - interval '10 minutes'
     AND (r2.status = 'matched' OR ${isBreakSql('r2')}) AND r2.as_of > r.as_of)`;

/** An amount column as the text `formatAmount` writes (`-0.05`, `10000.00`), for notes. */
const amountText = (column: string) => `(${column}::numeric / 100)::numeric(21, 2)::text`;

/**
 * The difference an acknowledged discrepancy is measured from: the one acknowledged, else (an
 * acknowledgement that recorded none: made by a producer older than the column, e.g. an old pod
 * during a rolling deploy after the migration ran) the last difference known before this run.
 * Without the fallback the distance is NULL, never beyond the tolerance, and such a discrepancy
 * would never reopen however far its difference moved.
 */
const ACKNOWLEDGED_FROM = `coalesce(d.acknowledged_difference, d.last_difference)`;

/**
 * Each active discrepancy (as `r.id`) with its account's result in run $1 (`r.account_id`,
 * `status`, `difference`, `as_of`): one index probe of the run's results per active discrepancy.
 * Joined the plain way (results to discrepancies on the account), the planner, which estimates a
 * new run's results at about one row (its id is past the statistics), scanned every active
 * discrepancy once per result of the run: accounts × discrepancies rows (3,960,000 for 20,000
 * accounts and 200 discrepancies, half a second of the finalizing transaction). `LIMIT 1` keeps
 * the lateral subquery from being flattened back into that join.
 */
const ACTIVE_WITH_RUN_RESULT = `(
  SELECT a.id, x.account_id, x.status, x.difference, x.as_of
    FROM discrepancies a
   CROSS JOIN LATERAL (SELECT account_id, status, difference, as_of FROM reconciliation_results
                        WHERE run_id = $1 AND account_id = a.account_id LIMIT 1) x
   WHERE a.status <> 'resolved')`;

/** Serializes runs applying their results, so each sees the runs finished before it. */
const APPLY_LOCK = `SELECT pg_advisory_xact_lock(hashtext('snap-recon:apply-run-results'))`;

/**
 * Applies a finished run's results, in the run's finalizing transaction: a mismatched account
 * with an active discrepancy adds an occurrence to it; one without opens one; an account that
 * matched again closes its active discrepancy with a note. An acknowledged discrepancy whose
 * difference is now more than `tolerance` (RECON_TOLERANCE) away from the one acknowledged
 * ({@link ACKNOWLEDGED_FROM}) goes back to `open` with a note, marked for its
 * `discrepancy.reopened` alert: the person
 * acknowledged that difference, not whatever it becomes. A result a newer run has overtaken is
 * not applied ({@link NOT_OVERTAKEN}). Idempotent per run.
 */
export async function applyRunResults(db: Db, runId: string, tolerance: bigint): Promise<void> {
  await db.query(APPLY_LOCK);
  // Before the occurrence below, which moves last_run_id to this run (and so makes both once
  // per run) and last_difference to this run's. numeric: the distance of two bigint
  // differences can exceed a bigint. An acknowledgement without a recorded difference keeps the
  // one it was measured from, so the note and acknowledgedDifference agree.
  await db.query(
    `UPDATE discrepancies d
        SET status = 'open', acknowledged_at = NULL, reopened_run_id = $1, reopen_notified_at = NULL,
            acknowledged_difference = ${ACKNOWLEDGED_FROM},
            note = concat_ws(E'\\n', d.note, 'difference changed from ' || ${amountText(ACKNOWLEDGED_FROM)}
              || ' to ' || ${amountText('r.difference')} || ' in run ' || $1 || '; reopened')
       FROM ${ACTIVE_WITH_RUN_RESULT} r
      WHERE d.id = r.id AND ${isBreakSql('r')}
        AND d.status = 'acknowledged' AND d.last_run_id <> $1
        AND abs(r.difference::numeric - ${ACKNOWLEDGED_FROM}) > $2::bigint
        AND ${NOT_OVERTAKEN}`,
    [runId, tolerance.toString()],
  );
  // One still acknowledged without a recorded difference is pinned to the one it was measured
  // from this time, so later runs measure from it too and a slow drift adds up.
  await db.query(
    `UPDATE discrepancies d
        SET occurrences = d.occurrences + 1, last_run_id = $1, last_difference = r.difference, last_seen_at = now(),
            acknowledged_difference = CASE WHEN d.status = 'acknowledged' THEN ${ACKNOWLEDGED_FROM}
                                           ELSE d.acknowledged_difference END
       FROM ${ACTIVE_WITH_RUN_RESULT} r
      WHERE d.id = r.id AND ${isBreakSql('r')}
        AND d.status <> 'resolved' AND d.last_run_id <> $1 AND ${NOT_OVERTAKEN}`,
    [runId],
  );
  // NOT IN (account_id is never NULL): one hashed scan of the active discrepancies, where
  // NOT EXISTS was planned as a scan of them per mismatched result.
  await db.query(
    `INSERT INTO discrepancies (account_id, opened_run_id, last_run_id, first_difference, last_difference)
     SELECT r.account_id, $1, $1, r.difference, r.difference
       FROM reconciliation_results r
      WHERE r.run_id = $1 AND ${isBreakSql('r')}
        AND r.account_id NOT IN (SELECT account_id FROM discrepancies WHERE status <> 'resolved')
        AND ${NOT_OVERTAKEN}
     ON CONFLICT DO NOTHING`,
    [runId],
  );
  await db.query(
    `UPDATE discrepancies d
        SET status = 'resolved', resolved_at = now(), resolved_run_id = $1,
            note = concat_ws(E'\\n', d.note, 'matched again in run ' || $1)
       FROM ${ACTIVE_WITH_RUN_RESULT} r
      WHERE d.id = r.id AND r.status = 'matched' AND d.status <> 'resolved'
        AND ${NOT_OVERTAKEN}`,
    [runId],
  );
}

/** Ids of discrepancies (opened by `runId`, or by any run) whose opening was not announced yet. */
export async function findUndelivered(db: Db, runId?: string): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `SELECT id FROM discrepancies WHERE notified_at IS NULL AND ($1::bigint IS NULL OR opened_run_id = $1) ORDER BY id`,
    [runId ?? null],
  );
  return rows.map((r) => idOf(r.id));
}

/** Ids of the discrepancies a run closed because their account matched again. */
export async function findResolvedByRun(db: Db, runId: string): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `SELECT id FROM discrepancies WHERE resolved_run_id = $1 ORDER BY id`,
    [runId],
  );
  return rows.map((r) => idOf(r.id));
}

/** Marks a discrepancy's opening announced (its `discrepancy.opened` webhook was delivered). */
export async function markNotified(db: Db, id: string): Promise<void> {
  await db.query(`UPDATE discrepancies SET notified_at = now() WHERE id = $1`, [id]);
}

/** Reopenings (by `runId`, or by any run) whose `discrepancy.reopened` was not delivered yet. */
export async function findUnannouncedReopenings(db: Db, runId?: string): Promise<Reopening[]> {
  const rows: { id: string; reopened_run_id: string }[] = await db.query(
    `SELECT id, reopened_run_id FROM discrepancies
      WHERE reopened_run_id IS NOT NULL AND reopen_notified_at IS NULL
        AND ($1::bigint IS NULL OR reopened_run_id = $1) ORDER BY id`,
    [runId ?? null],
  );
  return rows.map((r) => ({ discrepancyId: idOf(r.id), runId: idOf(r.reopened_run_id) }));
}

/**
 * Marks a reopening announced (its `discrepancy.reopened` webhook was delivered); a delivery of
 * an earlier reopening of the same discrepancy marks nothing.
 */
export async function markReopenNotified(db: Db, reopening: Reopening): Promise<void> {
  await db.query(
    `UPDATE discrepancies SET reopen_notified_at = now() WHERE id = $1 AND reopened_run_id = $2`,
    [reopening.discrepancyId, reopening.runId],
  );
}

/** One discrepancy with its account, or null. */
export async function findById(db: Db, id: string): Promise<DiscrepancyRecord | null> {
  const rows: DiscrepancyRow[] = await db.query(`${SELECT} WHERE d.id = $1`, [id]);
  return rows.length ? toRecord(rows[0]) : null;
}

/** How many discrepancies match the filter. */
export async function count(db: Db, status: DiscrepancyFilter): Promise<number> {
  const [{ total }]: { total: string }[] = await db.query(
    `SELECT count(*) AS total FROM discrepancies d WHERE ${STATUS_CONDITION}`,
    [status],
  );
  return countOf(total);
}

/** A page of the matching discrepancies, most recently seen first. */
export async function findPage(
  db: Db,
  status: DiscrepancyFilter,
  limit: number,
  offset: number,
): Promise<DiscrepancyRecord[]> {
  const rows: DiscrepancyRow[] = await db.query(
    `${SELECT} WHERE ${STATUS_CONDITION} ORDER BY d.last_seen_at DESC, d.id DESC LIMIT $2 OFFSET $3`,
    [status, limit, offset],
  );
  return rows.map(toRecord);
}

/** The status of a discrepancy, its row locked until the transaction ends; null when absent. */
export async function lockStatus(db: Db, id: string): Promise<DiscrepancyStatus | null> {
  const rows: { status: DiscrepancyStatus }[] = await db.query(
    `SELECT status FROM discrepancies WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0]?.status ?? null;
}

/**
 * Whether `difference` is one this discrepancy has shown: its first or last difference, or a
 * break its account had in a run that counted for it (from the one that opened it to the last
 * one that saw it; a matched or timing result, or a run still going, never showed). An
 * acknowledgement names what the person saw; a value never shown would move the point the
 * reopening is measured from at will. Retention keeps the opening and last runs' results of an
 * open discrepancy only, so after RETENTION_DAYS the ones between are no longer there to name.
 */
export async function hasShownDifference(db: Db, id: string, difference: bigint): Promise<boolean> {
  const rows: { shown: boolean }[] = await db.query(
    `SELECT EXISTS (
       SELECT 1 FROM discrepancies d
        WHERE d.id = $1
          AND ($2::bigint IN (d.first_difference, d.last_difference)
               OR EXISTS (SELECT 1 FROM reconciliation_results r
                           WHERE r.account_id = d.account_id
                             AND r.run_id BETWEEN d.opened_run_id AND d.last_run_id
                             AND ${isBreakSql('r')} AND r.difference = $2::bigint))) AS shown`,
    [id, difference.toString()],
  );
  return rows[0]?.shown === true;
}

/**
 * A person's transition: `acknowledged` or `resolved` now, the note appended. Acknowledging
 * records the difference acknowledged: `seenDifference`, the one the person saw when they
 * decided (a run may have moved `last_difference` since), else `last_difference`. A seen
 * difference other than the current one is what a later run measures from, so the next run
 * that still finds the current one reopens it.
 */
export async function setStatus(
  db: Db,
  id: string,
  status: 'acknowledged' | 'resolved',
  note: string,
  seenDifference: bigint | null = null,
): Promise<void> {
  if (status === 'acknowledged')
    await db.query(
      `UPDATE discrepancies SET status = 'acknowledged', acknowledged_at = now(),
         acknowledged_difference = coalesce($3::bigint, last_difference),
         note = concat_ws(E'\\n', note, $2::text) WHERE id = $1`,
      [id, note, seenDifference === null ? null : seenDifference.toString()],
    );
  else
    await db.query(
      `UPDATE discrepancies SET status = 'resolved', resolved_at = now(), note = concat_ws(E'\\n', note, $2::text) WHERE id = $1`,
      [id, note],
    );
}
