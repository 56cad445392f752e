import { batcherFor, MicroBatcher } from '@app/infra';
import * as ledgerEntriesRepository from './repositories/ledger-entries.repository';
import type { SnapshotBalance, SnapshotRequest } from './repositories/ledger-entries.repository';
import type { Db } from './repositories/row-mapping';

/** The ledger around an instant: the balance then, and the entries just before it. */
export interface LedgerSnapshot {
  /** Balance as of the instant (0 when the account had no entry yet). */
  balance: bigint;
  /**
   * Balances the account had before each entry posted inside the in-flight window,
   * newest first: `[balance before the newest entry, before the two newest, ...]`.
   * A provider that has not seen the last k entries yet shows `previousBalances[k-1]`.
   */
  previousBalances: bigint[];
  /**
   * When each entry inside the window was posted, newest first: `previousBalances[k-1]` is
   * the balance before the k newest entries, the oldest of which was posted `postedAt[k-1]`.
   */
  postedAt: Date[];
  /** Number of entries posted inside the window. */
  inFlightEntries: number;
  /**
   * The entries posted after the instant, up to the `laterUntil` asked (at most
   * {@link MAX_TIMING_WINDOW_ENTRIES}), oldest first, each with the balance after it: a provider
   * whose clock is behind ours may already hold them.
   */
  later: LaterBalance[];
}

/** A balance the account had after an entry posted after the snapshot's instant. */
export interface LaterBalance {
  balance: bigint;
  postedAt: Date;
}

/**
 * Most in-flight entries of one window read to explain a difference as timing (a provider
 * that has not seen the last k entries yet); a busier window is read this far only.
 */
export const MAX_TIMING_WINDOW_ENTRIES = 500;
/** Most snapshots read by one statement. */
const MAX_BATCH = 200;

const batchers = new WeakMap<Db, MicroBatcher<SnapshotRequest, LedgerSnapshot>>();

/**
 * The ledger balance of an account as of `asOf`, plus the running balances inside the
 * in-flight window `(asOf - windowMs, asOf]` and after each entry posted in `(asOf, laterUntil]`
 * (none when `laterUntil` is not after `asOf`). Each part is a scan of the `ledger_entries_as_of`
 * index bounded by its window, so the cost does not grow with history. Concurrent calls on the
 * same data source (a worker's jobs) are read together, one statement for up to 200 accounts,
 * so a busy worker spends one round trip on many snapshots; a lone call goes out at once.
 */
export function ledgerSnapshot(
  db: Db,
  accountId: string,
  asOf: Date,
  windowMs: number,
  laterUntil: Date = asOf,
): Promise<LedgerSnapshot> {
  const batcher = batcherFor(
    batchers,
    db,
    () =>
      new MicroBatcher<SnapshotRequest, LedgerSnapshot>((requests) => readSnapshots(db, requests), {
        maxBatch: MAX_BATCH,
        maxInFlight: 2,
      }),
  );
  return batcher.add({
    accountId,
    asOf,
    windowStart: new Date(asOf.getTime() - windowMs),
    laterUntil,
  });
}

/** Reads the snapshots of a batch: one statement (see the repository). */
async function readSnapshots(db: Db, requests: SnapshotRequest[]): Promise<LedgerSnapshot[]> {
  const balances = await ledgerEntriesRepository.readSnapshotBalances(
    db,
    requests,
    MAX_TIMING_WINDOW_ENTRIES,
  );
  return balances.map(toSnapshot);
}

/** Rows: the later entries oldest first, then the in-window entries newest first, then the last before the window. */
function toSnapshot(rows: SnapshotBalance[]): LedgerSnapshot {
  let laterCount = 0;
  while (laterCount < rows.length && rows[laterCount].later) laterCount++;
  const later = rows
    .slice(0, laterCount)
    .map((r): LaterBalance => ({ balance: r.balanceAfter, postedAt: r.postedAt }));
  const asOfRows = laterCount === 0 ? rows : rows.slice(laterCount);
  if (asOfRows.length === 0)
    return { balance: 0n, previousBalances: [], postedAt: [], inFlightEntries: 0, later };
  const balances = asOfRows.map((r) => r.balanceAfter);
  const inFlightEntries = asOfRows.filter((r) => r.inWindow).length;
  const hasBaseline = asOfRows.length > inFlightEntries;
  const previousBalances = balances.slice(1);
  // History that starts inside the window: before its first entry the balance was 0.
  if (!hasBaseline && inFlightEntries < MAX_TIMING_WINDOW_ENTRIES) previousBalances.push(0n);
  const postedAt = asOfRows.filter((r) => r.inWindow).map((r) => r.postedAt);
  return { balance: balances[0], previousBalances, postedAt, inFlightEntries, later };
}

/** Only the balance as of an instant: one index-only lookup. */
export function balanceAsOf(db: Db, accountId: string, asOf: Date): Promise<bigint> {
  return ledgerEntriesRepository.balanceAsOf(db, accountId, asOf);
}
