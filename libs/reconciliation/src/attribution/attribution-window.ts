import type { DataSource } from 'typeorm';
import { ledgerEntriesRepository } from '@app/ledger';
import type { BridgeEntry } from './bridge';

/** Most ledger entries read for one window; a busier window is refused, not cut silently. */
export const MAX_WINDOW_LEDGER_ENTRIES = 20_000;

/** The account's ledger entries with from < posted_at <= to, oldest first. */
export async function ledgerEntriesBetween(
  ds: DataSource,
  accountId: string,
  from: Date,
  to: Date,
): Promise<BridgeEntry[]> {
  const rows = await ledgerEntriesRepository.entriesBetween(
    ds,
    accountId,
    from,
    to,
    MAX_WINDOW_LEDGER_ENTRIES + 1,
  );
  if (rows.length > MAX_WINDOW_LEDGER_ENTRIES) {
    throw new Error(
      `more than ${MAX_WINDOW_LEDGER_ENTRIES} ledger entries between ${from.toISOString()} and ${to.toISOString()}`,
    );
  }
  return rows;
}
