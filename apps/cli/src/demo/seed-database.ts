import type { DataSource } from 'typeorm';
import { accountKeyText, accountsRepository, appendLedgerEntries } from '@app/ledger';
import type { ScenarioAccount } from './demo-scenario';

/** Writes the scenario's merchants, accounts and ledgers; returns account ids by {@link accountKeyText}. */
export async function seedDatabase(
  ds: DataSource,
  accounts: ScenarioAccount[],
): Promise<Map<string, string>> {
  const ids = await accountsRepository.seedAccounts(ds, accounts);
  const entries = accounts.flatMap((a) =>
    a.ledger.map((e) => ({ accountId: ids.get(accountKeyText(a))!, ...e })),
  );
  for (let i = 0; i < entries.length; i += 10_000) {
    await appendLedgerEntries(ds, entries.slice(i, i + 10_000));
  }
  return ids;
}

/** The simulator's account specs for the scenario. */
export function simulatorAccounts(accounts: ScenarioAccount[]) {
  return accounts.map((a) => ({
    provider: a.provider,
    accountNo: a.accountNo,
    ...a.simulated,
    // Last: the simulator's account key is the database's.
    ...(a.msId ? { msId: a.msId } : {}),
  }));
}
