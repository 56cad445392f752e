import type { DataSource } from 'typeorm';

/**
 * Everything stored, reduced to figures that change when a row is added, removed or altered:
 * per table a count and a checksum over the row contents (md5 of the ordered rows).
 */
export type StoredState = Record<string, { rows: number; checksum: string }>;

const TABLES: Record<string, string> = {
  merchants: 'id, name',
  provider_accounts: 'id, merchant_id, provider, account_no, currency, credential_set, enabled',
  ledger_entries: 'id, account_id, entry_ref, amount, posted_at, balance_after',
  reconciliation_runs: 'id, status, account_count, completed_count, summary',
  reconciliation_results:
    'run_id, account_id, status, is_final, provider_balance, ledger_balance, difference, error_message',
};

/** Counts and checksums of every table of the schema the data source points at. */
export async function storedState(ds: DataSource): Promise<StoredState> {
  const state: StoredState = {};
  for (const [table, columns] of Object.entries(TABLES)) {
    const [row]: { rows: string; checksum: string | null }[] = await ds.query(
      `SELECT count(*) AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS checksum
         FROM (SELECT ${columns} FROM ${table}) t`,
    );
    state[table] = { rows: Number(row.rows), checksum: row.checksum ?? '' };
  }
  return state;
}
