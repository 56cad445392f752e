import type { DataSource } from 'typeorm';
import { appendLedgerEntries } from '@app/ledger';
import type { ScenarioAccount } from './demo-scenario';

/** Writes the scenario's merchants, accounts and ledgers; returns account ids by account no. */
export async function seedDatabase(
  ds: DataSource,
  accounts: ScenarioAccount[],
): Promise<Map<string, string>> {
  await ds.query(
    `INSERT INTO merchants (id, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id) DO NOTHING`,
    [accounts.map((a) => a.merchantId), accounts.map((a) => a.merchantName)],
  );
  const rows: { id: string; account_no: string }[] = await ds.query(
    `INSERT INTO provider_accounts (merchant_id, provider, account_no, credential_set)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
     ON CONFLICT (provider, account_no) DO UPDATE SET credential_set = EXCLUDED.credential_set
     RETURNING id, account_no`,
    [
      accounts.map((a) => a.merchantId),
      accounts.map((a) => a.provider),
      accounts.map((a) => a.accountNo),
      accounts.map((a) => a.credentialSet),
    ],
  );
  const ids = new Map(rows.map((r) => [r.account_no, String(r.id)]));
  const entries = accounts.flatMap((a) =>
    a.ledger.map((e) => ({ accountId: ids.get(a.accountNo)!, ...e })),
  );
  for (let i = 0; i < entries.length; i += 10_000) {
    await appendLedgerEntries(ds, entries.slice(i, i + 10_000));
  }
  return ids;
}

/** The simulator's account specs for the scenario. */
export function simulatorAccounts(accounts: ScenarioAccount[]) {
  return accounts.map((a) => ({ provider: a.provider, accountNo: a.accountNo, ...a.simulated }));
}
