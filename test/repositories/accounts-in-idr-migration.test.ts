import { AccountsInIdr1765200000000 } from '../../migrations/1765200000000-AccountsInIdr';
import { createAccounts, useTestDatabase } from './repository-fixtures';

/**
 * The migration that holds every enabled account to IDR (a tester's USD account was shown as
 * Rp and summed into the IDR totals; the import refuses one now, the table holds it to that).
 */
describe('migration AccountsInIdr (real Postgres)', () => {
  const db = useTestDatabase();

  /** Runs the migration's `up` or `down` on the test schema. */
  async function migration(step: 'up' | 'down'): Promise<void> {
    const q = db().createQueryRunner();
    try {
      await new AccountsInIdr1765200000000()[step](q);
    } finally {
      await q.release();
    }
  }

  it('refuses an enabled account in another currency, in the table and when migrating, naming it and what to do; a disabled one passes', async () => {
    const [usd] = await createAccounts(db(), ['IDR-MIG-1']);
    await expect(
      db().query(`UPDATE provider_accounts SET currency = 'USD' WHERE id = $1`, [usd]),
    ).rejects.toThrow(/provider_accounts_currency_idr/);

    await migration('down');
    await db().query(`UPDATE provider_accounts SET currency = 'USD' WHERE id = $1`, [usd]);
    await expect(migration('up')).rejects.toThrow(
      "provider_accounts holds enabled accounts in a currency other than IDR, the only one snap-recon reconciles: netzme/IDR-MIG-1 (USD); disable them (UPDATE provider_accounts SET enabled = false WHERE currency <> 'IDR') and migrate again",
    );

    await db().query(`UPDATE provider_accounts SET enabled = false WHERE id = $1`, [usd]);
    await migration('up');
    await expect(
      db().query(`UPDATE provider_accounts SET enabled = true WHERE id = $1`, [usd]),
    ).rejects.toThrow(/provider_accounts_currency_idr/);
  });
});
