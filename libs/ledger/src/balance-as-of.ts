import type { DataSource, EntityManager } from 'typeorm';

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

/**
 * The ledger balance of an account as of `asOf`, plus the running balances inside the
 * in-flight window `(asOf - windowMs, asOf]`. One round trip; each half is a scan of the
 * `ledger_entries_as_of` index bounded by the window, so the cost does not grow with history.
 */
export async function ledgerSnapshot(
  db: DataSource | EntityManager,
  accountId: string,
  asOf: Date,
  windowMs: number,
): Promise<LedgerSnapshot> {
  const windowStart = new Date(asOf.getTime() - windowMs);
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
export async function balanceAsOf(
  db: DataSource | EntityManager,
  accountId: string,
  asOf: Date,
): Promise<bigint> {
  const rows: { balance_after: string }[] = await db.query(
    `SELECT balance_after FROM ledger_entries
      WHERE account_id = $1 AND posted_at <= $2
      ORDER BY posted_at DESC, id DESC LIMIT 1`,
    [accountId, asOf],
  );
  return rows.length === 0 ? 0n : BigInt(rows[0].balance_after);
}
