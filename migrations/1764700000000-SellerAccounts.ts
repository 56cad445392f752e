import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A seller is an account of its own. NICEPay's balance inquiry names the merchant by
 * `accountNo` ("Merchant identifier that is unique per each Merchant") and a seller under it by
 * `additionalInfo.msId`, so one merchant's sellers share an account number: an account is
 * unique by `(provider, account_no, ms_id)`, where no seller id (the merchant's own balance) is
 * one value of its own. `ms_id` follows the account-number rule, so `''` can stand for "none"
 * in the unique index and in the lookups that use it.
 */
export class SellerAccounts1764700000000 implements MigrationInterface {
  name = 'SellerAccounts1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE provider_accounts ADD CONSTRAINT provider_accounts_ms_id_check CHECK (ms_id ~ '^[A-Za-z0-9._-]{1,64}$')`,
    );
    await q.query(
      `CREATE UNIQUE INDEX provider_accounts_key ON provider_accounts (provider, account_no, (coalesce(ms_id, '')))`,
    );
    await q.query(
      `ALTER TABLE provider_accounts DROP CONSTRAINT provider_accounts_provider_account_no_key`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const shared: { key: string }[] = await q.query(
      `SELECT provider || '/' || account_no AS key FROM provider_accounts
        GROUP BY provider, account_no HAVING count(*) > 1 ORDER BY 1 LIMIT 5`,
    );
    if (shared.length > 0) {
      throw new Error(
        `cannot revert SellerAccounts: account numbers shared by a merchant and its sellers (${shared
          .map((s) => s.key)
          .join(', ')}${shared.length === 5 ? ', …' : ''}); delete or merge those accounts first`,
      );
    }
    await q.query(
      `ALTER TABLE provider_accounts ADD CONSTRAINT provider_accounts_provider_account_no_key UNIQUE (provider, account_no)`,
    );
    await q.query(`DROP INDEX provider_accounts_key`);
    await q.query(`ALTER TABLE provider_accounts DROP CONSTRAINT provider_accounts_ms_id_check`);
  }
}
