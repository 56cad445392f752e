import { batcherFor, MicroBatcher } from '@app/infra';
import * as ledgerEntriesRepository from './repositories/ledger-entries.repository';
import type { SnapshotBalance, SnapshotRequest } from './repositories/ledger-entries.repository';
import type { Db } from './repositories/row-mapping';

/** The ledger around an instant: the balance then, the entries just before it and just after. */
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
   * The balances after each entry posted after the instant until the provider's answer arrived
   * (`answeredAt`; the last of entries posted at the same instant only), newest first, at most
   * {@link MAX_TIMING_WINDOW_ENTRIES}: its answer was made somewhere in that span, and may
   * already hold them. Empty when no answer time was given.
   */
  duringRequest: BalanceAt[];
}

/** A balance the ledger had at an instant. */
export interface BalanceAt {
  balance: bigint;
  at: Date;
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
 * in-flight window `(asOf - windowMs, asOf]` and, given when the provider's answer arrived
 * (`answeredAt`, our clock), those after each entry posted until then (`duringRequest`). Each
 * part is a scan of the `ledger_entries_as_of` index bounded by its window, so the cost does not
 * grow with history. Concurrent calls on the same data source (a worker's jobs) are read
 * together, one statement for up to 200 accounts, so a busy worker spends one round trip on many
 * snapshots; a lone call goes out at once.
 */
export function ledgerSnapshot(
  db: Db,
  accountId: string,
  asOf: Date,
  windowMs: number,
  answeredAt: Date | null = null,
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
    answeredAt,
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

/** Rows by part, newest first within each (see the repository's `SnapshotPart`). */
function toSnapshot(rows: SnapshotBalance[]): LedgerSnapshot {
  let asOfStart = 0;
  while (asOfStart < rows.length && rows[asOfStart].part === 'answering') asOfStart++;
  if (asOfStart === 0) return asOfSnapshot(rows, []);
  const duringRequest = lastPerInstant(rows.slice(0, asOfStart)).map((r): BalanceAt => ({
    balance: r.balanceAfter,
    at: r.postedAt,
  }));
  return asOfSnapshot(rows.slice(asOfStart), duringRequest);
}

/**
 * Of rows newest first, the last entry of each instant only: the ledger is never as of between
 * entries posted at the same instant.
 */
function lastPerInstant(rows: SnapshotBalance[]): SnapshotBalance[] {
  return rows.filter((r, i) => i === 0 || rows[i - 1].postedAt.getTime() !== r.postedAt.getTime());
}

/** The balance as of the instant and the in-flight window's, from its rows newest first. */
function asOfSnapshot(rows: SnapshotBalance[], duringRequest: BalanceAt[]): LedgerSnapshot {
  if (rows.length === 0)
    return { balance: 0n, previousBalances: [], postedAt: [], inFlightEntries: 0, duringRequest };
  const windowRows = rows.filter((r) => r.part === 'window');
  const inFlightEntries = windowRows.length;
  const hasBaseline = rows.length > inFlightEntries;
  const previousBalances = rows.slice(1).map((r) => r.balanceAfter);
  // History that starts inside the window: before its first entry the balance was 0.
  if (!hasBaseline && inFlightEntries < MAX_TIMING_WINDOW_ENTRIES) previousBalances.push(0n);
  const postedAt = windowRows.map((r) => r.postedAt);
  return {
    balance: rows[0].balanceAfter,
    previousBalances,
    postedAt,
    inFlightEntries,
    duringRequest,
  };
}

/** Only the balance as of an instant: one index-only lookup. */
export function balanceAsOf(db: Db, accountId: string, asOf: Date): Promise<bigint> {
  return ledgerEntriesRepository.balanceAsOf(db, accountId, asOf);
}
