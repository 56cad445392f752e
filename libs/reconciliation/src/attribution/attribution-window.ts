import type { DataSource } from 'typeorm';
import type { BridgeEntry } from './bridge';

/** Most ledger entries read for one window; a busier window is refused, not cut silently. */
export const MAX_WINDOW_LEDGER_ENTRIES = 20_000;

/** When the account last matched before `before` (its result's as-of), or `null`. */
export async function lastMatchedAt(
  ds: DataSource,
  accountId: string,
  before: Date,
): Promise<Date | null> {
  const [row]: { as_of: Date | null }[] = await ds.query(
    `SELECT max(as_of) AS as_of FROM reconciliation_results
      WHERE account_id = $1 AND status = 'matched' AND as_of < $2`,
    [accountId, before],
  );
  return row?.as_of ?? null;
}

/** The account's ledger entries with from < posted_at <= to, oldest first. */
export async function ledgerEntriesBetween(
  ds: DataSource,
  accountId: string,
  from: Date,
  to: Date,
): Promise<BridgeEntry[]> {
  const rows: {
    entry_ref: string;
    provider_ref: string | null;
    posted_at: Date;
    amount: string;
  }[] = await ds.query(
    `SELECT entry_ref, provider_ref, posted_at, amount FROM ledger_entries
        WHERE account_id = $1 AND posted_at > $2 AND posted_at <= $3
        ORDER BY posted_at, id LIMIT ${MAX_WINDOW_LEDGER_ENTRIES + 1}`,
    [accountId, from, to],
  );
  if (rows.length > MAX_WINDOW_LEDGER_ENTRIES) {
    throw new Error(
      `more than ${MAX_WINDOW_LEDGER_ENTRIES} ledger entries between ${from.toISOString()} and ${to.toISOString()}`,
    );
  }
  return rows.map((r) => ({
    entryRef: r.entry_ref,
    providerRef: r.provider_ref,
    postedAt: r.posted_at,
    amount: BigInt(r.amount),
  }));
}
