import type { DataSource, EntityManager } from 'typeorm';
import { batcherFor, MicroBatcher } from '@app/infra';

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
  /** Number of entries posted inside the window. */
  inFlightEntries: number;
}

/** Most entries of one window considered for a timing explanation. */
const MAX_WINDOW_ENTRIES = 500;
/** Most snapshots read by one statement. */
const MAX_BATCH = 200;

interface SnapshotRequest {
  accountId: string;
  asOf: Date;
  windowStart: Date;
}

type Db = DataSource | EntityManager;
const batchers = new WeakMap<Db, MicroBatcher<SnapshotRequest, LedgerSnapshot>>();

/**
 * The ledger balance of an account as of `asOf`, plus the running balances inside the
 * in-flight window `(asOf - windowMs, asOf]`. Each half is a scan of the `ledger_entries_as_of`
 * index bounded by the window, so the cost does not grow with history. Concurrent calls on the
 * same data source (a worker's jobs) are read together, one statement for up to 200 accounts,
 * so a busy worker spends one round trip on many snapshots; a lone call goes out at once.
 */
export function ledgerSnapshot(
  db: Db,
  accountId: string,
  asOf: Date,
  windowMs: number,
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
  return batcher.add({ accountId, asOf, windowStart: new Date(asOf.getTime() - windowMs) });
}

/**
 * One statement for many snapshots: the two index scans per account, as LATERAL joins. A lone
 * request uses the plain two-scan query, which Postgres plans several times faster.
 */
async function readSnapshots(db: Db, requests: SnapshotRequest[]): Promise<LedgerSnapshot[]> {
  if (requests.length === 1) {
    const { accountId, asOf, windowStart } = requests[0];
    const rows: { balance_after: string; in_window: boolean }[] = await db.query(
      `(SELECT balance_after, true AS in_window FROM ledger_entries
         WHERE account_id = $1 AND posted_at <= $2 AND posted_at > $3
         ORDER BY posted_at DESC, id DESC LIMIT ${MAX_WINDOW_ENTRIES})
       UNION ALL
       (SELECT balance_after, false AS in_window FROM ledger_entries
         WHERE account_id = $1 AND posted_at <= $3
         ORDER BY posted_at DESC, id DESC LIMIT 1)`,
      [accountId, asOf, windowStart],
    );
    return [toSnapshot(rows)];
  }
  const rows: { i: string; balance_after: string; in_window: boolean }[] = await db.query(
    `SELECT q.i, e.balance_after, e.in_window
       FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS q(account_id, as_of, window_start, i)
       CROSS JOIN LATERAL (
         (SELECT balance_after, true AS in_window, posted_at, id FROM ledger_entries
           WHERE account_id = q.account_id AND posted_at <= q.as_of AND posted_at > q.window_start
           ORDER BY posted_at DESC, id DESC LIMIT ${MAX_WINDOW_ENTRIES})
         UNION ALL
         (SELECT balance_after, false AS in_window, posted_at, id FROM ledger_entries
           WHERE account_id = q.account_id AND posted_at <= q.window_start
           ORDER BY posted_at DESC, id DESC LIMIT 1)
       ) e
      ORDER BY q.i, e.in_window DESC, e.posted_at DESC, e.id DESC`,
    [
      requests.map((r) => r.accountId),
      requests.map((r) => r.asOf),
      requests.map((r) => r.windowStart),
    ],
  );
  const byRequest: { balance_after: string; in_window: boolean }[][] = requests.map(() => []);
  for (const row of rows) byRequest[Number(row.i) - 1].push(row);
  return byRequest.map(toSnapshot);
}

/** Rows newest first: the in-window entries, then the last entry before the window. */
function toSnapshot(rows: { balance_after: string; in_window: boolean }[]): LedgerSnapshot {
  if (rows.length === 0) return { balance: 0n, previousBalances: [], inFlightEntries: 0 };
  const balances = rows.map((r) => BigInt(r.balance_after));
  const inFlightEntries = rows.filter((r) => r.in_window).length;
  const hasBaseline = rows.length > inFlightEntries;
  const previousBalances = balances.slice(1);
  // History that starts inside the window: before its first entry the balance was 0.
  if (!hasBaseline && inFlightEntries < MAX_WINDOW_ENTRIES) previousBalances.push(0n);
  return { balance: balances[0], previousBalances, inFlightEntries };
}

/** Only the balance as of an instant: one index-only lookup. */
export async function balanceAsOf(db: Db, accountId: string, asOf: Date): Promise<bigint> {
  const rows: { balance_after: string }[] = await db.query(
    `SELECT balance_after FROM ledger_entries
      WHERE account_id = $1 AND posted_at <= $2
      ORDER BY posted_at DESC, id DESC LIMIT 1`,
    [accountId, asOf],
  );
  return rows.length === 0 ? 0n : BigInt(rows[0].balance_after);
}
