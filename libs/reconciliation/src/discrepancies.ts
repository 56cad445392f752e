import type { DataSource, EntityManager } from 'typeorm';
import { formatAmount } from '@app/snap';
import { Actor, appendAudit } from './audit-log';
import * as discrepanciesRepository from './repositories/discrepancies.repository';
import type {
  DiscrepancyFilter,
  DiscrepancyRecord,
  DiscrepancyStatus,
  Reopening,
} from './repositories/discrepancies.repository';

export type { DiscrepancyFilter, DiscrepancyStatus, Reopening };

/** A discrepancy as the API and the page show it; amounts are decimal strings. */
export interface DiscrepancyView {
  id: string;
  status: DiscrepancyStatus;
  merchantId: string;
  provider: string;
  accountNo: string;
  /** The seller under the merchant `accountNo` (NICEPay `msId`), for a seller's account. */
  msId: string | null;
  occurrences: number;
  openedRunId: string;
  lastRunId: string;
  firstDifference: string;
  lastDifference: string;
  openedAt: string;
  lastSeenAt: string;
  acknowledgedAt: string | null;
  /**
   * The difference when a person last acknowledged it: a run finding the difference more than
   * RECON_TOLERANCE away from it puts the discrepancy back to `open` (and keeps this, to show
   * what moved); `null` when never acknowledged.
   */
  acknowledgedDifference: string | null;
  resolvedAt: string | null;
  note: string | null;
  /**
   * The one-line explanation of the last run's break from the provider's history (issue 15),
   * e.g. `explained: 2 provider-only credits 15,000.00; remainder 0.00`; `null` without one.
   */
  explanation: string | null;
}

/** Discrepancies opened by a run whose webhook has not been delivered yet. */
export function undeliveredDiscrepancies(ds: DataSource, runId?: string): Promise<string[]> {
  return discrepanciesRepository.findUndelivered(ds, runId);
}

/** Acknowledged discrepancies reopened (by `runId`, or by any run) whose alert was not delivered yet. */
export function unannouncedReopenings(ds: DataSource, runId?: string): Promise<Reopening[]> {
  return discrepanciesRepository.findUnannouncedReopenings(ds, runId);
}

/** Discrepancies a run closed because their account matched again. */
export function discrepanciesResolvedByRun(ds: DataSource, runId: string): Promise<string[]> {
  return discrepanciesRepository.findResolvedByRun(ds, runId);
}

/** A discrepancy as the API and the page show it: amounts formatted, instants in ISO. */
function toView(r: DiscrepancyRecord): DiscrepancyView {
  return Object.assign({}, r, {
    firstDifference: formatAmount(r.firstDifference),
    lastDifference: formatAmount(r.lastDifference),
    acknowledgedDifference:
      r.acknowledgedDifference === null ? null : formatAmount(r.acknowledgedDifference),
    openedAt: r.openedAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
  });
}

/** One discrepancy, or null. */
export async function loadDiscrepancy(
  ds: DataSource | EntityManager,
  id: string,
): Promise<DiscrepancyView | null> {
  const found = await discrepanciesRepository.findById(ds, id);
  return found ? toView(found) : null;
}

/** A page of discrepancies, most recently seen first (default: the active ones). */
export async function listDiscrepancies(
  ds: DataSource,
  filter: { status?: DiscrepancyFilter; page: number; pageSize: number },
): Promise<{ items: DiscrepancyView[]; total: number; page: number; pageSize: number }> {
  const status = filter.status ?? 'active';
  const total = await discrepanciesRepository.count(ds, status);
  const records = await discrepanciesRepository.findPage(
    ds,
    status,
    filter.pageSize,
    (filter.page - 1) * filter.pageSize,
  );
  return {
    items: records.map(toView),
    total,
    page: filter.page,
    pageSize: filter.pageSize,
  };
}

/** Thrown when a transition is not allowed (e.g. acknowledging a resolved discrepancy). */
export class DiscrepancyTransitionError extends Error {}

/** Thrown when an acknowledgement's `seenDifference` is not a difference the discrepancy has shown. */
export class UnseenDifferenceError extends Error {
  constructor(readonly seenDifference: bigint) {
    super(
      'is not a difference this discrepancy has shown (send its lastDifference, or a break a run found on it since it opened)',
    );
    this.name = 'UnseenDifferenceError';
  }
}

/**
 * A person acknowledges (`open` → `acknowledged`) or resolves (`open`/`acknowledged` →
 * `resolved`) a discrepancy, with a note; the change and its audit record (who, the status
 * before and after, the note) commit together. Returns null when it does not exist.
 *
 * `seenDifference` (acknowledge only): the difference the person saw when they decided, in
 * minor units. It is the difference acknowledged, even when a run has moved the discrepancy's
 * since (the next run still finding the new one then reopens it: an acknowledgement covers
 * what was seen); without it, the discrepancy's last difference is. One it has never shown is
 * refused ({@link UnseenDifferenceError}): it would silence the reopening at will.
 */
export async function changeDiscrepancy(
  ds: DataSource,
  id: string,
  action: 'acknowledge' | 'resolve',
  note: string,
  actor: Actor,
  seenDifference: bigint | null = null,
): Promise<DiscrepancyView | null> {
  return ds.transaction(async (tx) => {
    const from = await discrepanciesRepository.lockStatus(tx, id);
    if (from === null) return null;
    const allowed = action === 'acknowledge' ? from === 'open' : from !== 'resolved';
    if (!allowed)
      throw new DiscrepancyTransitionError(`discrepancy ${id} is ${from}; it cannot be ${action}d`);
    if (
      action === 'acknowledge' &&
      seenDifference !== null &&
      !(await discrepanciesRepository.hasShownDifference(tx, id, seenDifference))
    )
      throw new UnseenDifferenceError(seenDifference);
    if (action === 'acknowledge')
      await discrepanciesRepository.setStatus(tx, id, 'acknowledged', note, seenDifference);
    else await discrepanciesRepository.setStatus(tx, id, 'resolved', note);
    const changed = (await loadDiscrepancy(tx, id))!;
    await appendAudit(tx, [
      {
        actor,
        action: `discrepancy.${action}`,
        subjectType: 'discrepancy',
        subjectId: id,
        account: { provider: changed.provider, accountNo: changed.accountNo, msId: changed.msId },
        before: { status: from },
        after: {
          status: changed.status,
          lastDifference: changed.lastDifference,
          ...(action === 'acknowledge'
            ? { acknowledgedDifference: changed.acknowledgedDifference }
            : {}),
        },
        note,
      },
    ]);
    return changed;
  });
}
