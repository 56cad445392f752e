import type { DataSource, EntityManager } from 'typeorm';
import { formatAmount } from '@app/snap';
import { Actor, appendAudit } from './audit-log';

export type DiscrepancyStatus = 'open' | 'acknowledged' | 'resolved';

/** A discrepancy as the API and the page show it; amounts are decimal strings. */
export interface DiscrepancyView {
  id: string;
  status: DiscrepancyStatus;
  merchantId: string;
  provider: string;
  accountNo: string;
  occurrences: number;
  openedRunId: string;
  lastRunId: string;
  firstDifference: string;
  lastDifference: string;
  openedAt: string;
  lastSeenAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  note: string | null;
  /**
   * The one-line explanation of the last run's break from the provider's history (issue 15),
   * e.g. `explained: 2 provider-only credits 15,000.00; remainder 0.00`; `null` without one.
   */
  explanation: string | null;
}

/**
 * Applies a finished run's results to the discrepancies, in the run's finalizing transaction:
 * a mismatched account with no active discrepancy opens one; one that has an active
 * discrepancy adds an occurrence to it (one alarm, not one per run); an account that matched
 * again closes its active discrepancy with a note. Idempotent per run.
 */
export async function trackDiscrepancies(tx: EntityManager, runId: string): Promise<void> {
  await tx.query(
    `UPDATE discrepancies d
        SET occurrences = d.occurrences + 1, last_run_id = $1, last_difference = r.difference, last_seen_at = now()
       FROM reconciliation_results r
      WHERE r.run_id = $1 AND r.status = 'mismatched' AND r.account_id = d.account_id
        AND d.status <> 'resolved' AND d.last_run_id <> $1`,
    [runId],
  );
  await tx.query(
    `INSERT INTO discrepancies (account_id, opened_run_id, last_run_id, first_difference, last_difference)
     SELECT r.account_id, $1, $1, r.difference, r.difference
       FROM reconciliation_results r
      WHERE r.run_id = $1 AND r.status = 'mismatched'
        AND NOT EXISTS (SELECT 1 FROM discrepancies d WHERE d.account_id = r.account_id AND d.status <> 'resolved')
     ON CONFLICT DO NOTHING`,
    [runId],
  );
  await tx.query(
    `UPDATE discrepancies d
        SET status = 'resolved', resolved_at = now(), resolved_run_id = $1,
            note = concat_ws(E'\\n', d.note, 'matched again in run ' || $1)
       FROM reconciliation_results r
      WHERE r.run_id = $1 AND r.status = 'matched' AND r.account_id = d.account_id AND d.status <> 'resolved'`,
    [runId],
  );
}

/** Discrepancies opened by a run whose webhook has not been delivered yet. */
export async function undeliveredDiscrepancies(ds: DataSource, runId?: string): Promise<string[]> {
  const rows: { id: string }[] = await ds.query(
    `SELECT id FROM discrepancies WHERE notified_at IS NULL AND ($1::bigint IS NULL OR opened_run_id = $1) ORDER BY id`,
    [runId ?? null],
  );
  return rows.map((r) => String(r.id));
}

/** Discrepancies a run closed because their account matched again. */
export async function discrepanciesResolvedByRun(ds: DataSource, runId: string): Promise<string[]> {
  const rows: { id: string }[] = await ds.query(
    `SELECT id FROM discrepancies WHERE resolved_run_id = $1 ORDER BY id`,
    [runId],
  );
  return rows.map((r) => String(r.id));
}

/** Marks a discrepancy's opening announced (its `discrepancy.opened` webhook was delivered). */
export async function markDiscrepancyNotified(ds: DataSource, id: string): Promise<void> {
  await ds.query(`UPDATE discrepancies SET notified_at = now() WHERE id = $1`, [id]);
}

interface DiscrepancyRow {
  id: string;
  status: DiscrepancyStatus;
  merchant_id: string;
  provider: string;
  account_no: string;
  occurrences: number;
  opened_run_id: string;
  last_run_id: string;
  first_difference: string;
  last_difference: string;
  opened_at: Date;
  last_seen_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  note: string | null;
  explanation: string | null;
}

const SELECT = `SELECT d.id, d.status, a.merchant_id, a.provider, a.account_no, d.occurrences, d.opened_run_id,
  d.last_run_id, d.first_difference, d.last_difference, d.opened_at, d.last_seen_at, d.acknowledged_at,
  d.resolved_at, d.note, lr.attribution->>'summary' AS explanation
  FROM discrepancies d JOIN provider_accounts a ON a.id = d.account_id
  LEFT JOIN reconciliation_results lr ON lr.run_id = d.last_run_id AND lr.account_id = d.account_id`;

function toView(r: DiscrepancyRow): DiscrepancyView {
  return {
    id: String(r.id),
    status: r.status,
    merchantId: r.merchant_id,
    provider: r.provider,
    accountNo: r.account_no,
    occurrences: r.occurrences,
    openedRunId: String(r.opened_run_id),
    lastRunId: String(r.last_run_id),
    firstDifference: formatAmount(BigInt(r.first_difference)),
    lastDifference: formatAmount(BigInt(r.last_difference)),
    openedAt: r.opened_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    note: r.note,
    explanation: r.explanation ?? null,
  };
}

/** One discrepancy, or null. */
export async function loadDiscrepancy(
  ds: DataSource | EntityManager,
  id: string,
): Promise<DiscrepancyView | null> {
  const rows: DiscrepancyRow[] = await ds.query(`${SELECT} WHERE d.id = $1`, [id]);
  return rows.length ? toView(rows[0]) : null;
}

/** Which discrepancies to list: one status, `active` (open or acknowledged), or `all`. */
export type DiscrepancyFilter = DiscrepancyStatus | 'active' | 'all';

const STATUS_CONDITION = `($1 = 'all' OR d.status = $1 OR ($1 = 'active' AND d.status <> 'resolved'))`;

/** A page of discrepancies, most recently seen first (default: the active ones). */
export async function listDiscrepancies(
  ds: DataSource,
  filter: { status?: DiscrepancyFilter; page: number; pageSize: number },
): Promise<{ items: DiscrepancyView[]; total: number; page: number; pageSize: number }> {
  const status = filter.status ?? 'active';
  const [{ total }]: { total: string }[] = await ds.query(
    `SELECT count(*) AS total FROM discrepancies d WHERE ${STATUS_CONDITION}`,
    [status],
  );
  const rows: DiscrepancyRow[] = await ds.query(
    `${SELECT} WHERE ${STATUS_CONDITION} ORDER BY d.last_seen_at DESC, d.id DESC LIMIT $2 OFFSET $3`,
    [status, filter.pageSize, (filter.page - 1) * filter.pageSize],
  );
  return {
    items: rows.map(toView),
    total: Number(total),
    page: filter.page,
    pageSize: filter.pageSize,
  };
}

/** Thrown when a transition is not allowed (e.g. acknowledging a resolved discrepancy). */
export class DiscrepancyTransitionError extends Error {}

/**
 * A person acknowledges (`open` → `acknowledged`) or resolves (`open`/`acknowledged` →
 * `resolved`) a discrepancy, with a note; the change and its audit record (who, the status
 * before and after, the note) commit together. Returns null when it does not exist.
 */
export async function changeDiscrepancy(
  ds: DataSource,
  id: string,
  action: 'acknowledge' | 'resolve',
  note: string,
  actor: Actor,
): Promise<DiscrepancyView | null> {
  return ds.transaction(async (tx) => {
    const current: { status: DiscrepancyStatus }[] = await tx.query(
      `SELECT status FROM discrepancies WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (current.length === 0) return null;
    const from = current[0].status;
    const allowed = action === 'acknowledge' ? from === 'open' : from !== 'resolved';
    if (!allowed)
      throw new DiscrepancyTransitionError(`discrepancy ${id} is ${from}; it cannot be ${action}d`);
    await tx.query(
      action === 'acknowledge'
        ? `UPDATE discrepancies SET status = 'acknowledged', acknowledged_at = now(), note = concat_ws(E'\\n', note, $2::text) WHERE id = $1`
        : `UPDATE discrepancies SET status = 'resolved', resolved_at = now(), note = concat_ws(E'\\n', note, $2::text) WHERE id = $1`,
      [id, note],
    );
    const changed = (await loadDiscrepancy(tx, id))!;
    await appendAudit(tx, [
      {
        actor,
        action: `discrepancy.${action}`,
        subjectType: 'discrepancy',
        subjectId: id,
        account: { provider: changed.provider, accountNo: changed.accountNo },
        before: { status: from },
        after: { status: changed.status, lastDifference: changed.lastDifference },
        note,
      },
    ]);
    return changed;
  });
}
