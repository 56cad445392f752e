import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every enabled provider account is in IDR: the one currency the providers' pages show a
 * balance in. Amounts are IDR's minor units (two decimals), and a run's totals and the pages
 * add and show them as rupiah, so an account in another currency would be summed with them and
 * shown as `Rp`. The accounts import refuses another currency; this holds the table to it.
 *
 * A database that already holds such an enabled account is not migrated: the migration stops
 * naming a few of them and how to disable them (a disabled account is in no run), rather than
 * have their money counted as rupiah. It changes and deletes nothing itself.
 */
export class AccountsInIdr1765200000000 implements MigrationInterface {
  name = 'AccountsInIdr1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      DECLARE others text;
      BEGIN
        SELECT string_agg(provider || '/' || account_no || ' (' || currency || ')', ', ')
          INTO others
          FROM (SELECT provider, account_no, currency FROM provider_accounts
                 WHERE currency <> 'IDR' AND enabled ORDER BY id LIMIT 10) a;
        IF others IS NOT NULL THEN
          RAISE EXCEPTION 'provider_accounts holds enabled accounts in a currency other than IDR, the only one snap-recon reconciles: %; disable them (UPDATE provider_accounts SET enabled = false WHERE currency <> ''IDR'') and migrate again', others;
        END IF;
      END $$`);
    await q.query(
      `ALTER TABLE provider_accounts ADD CONSTRAINT provider_accounts_currency_idr CHECK (currency = 'IDR' OR NOT enabled)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE provider_accounts DROP CONSTRAINT provider_accounts_currency_idr`);
  }
}
