import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Providers read as their pages mean them (issue 11):
 * - `provider_accounts.provider` accepts any registered provider (the registry in libs/snap
 *   decides which; the database only keeps the name's shape), so a new provider is a profile,
 *   not a migration;
 * - `provider_accounts.ms_id`: NICEPay's seller id, sent in the balance request;
 * - `provider_accounts.expected_provider_name`: the merchant name the provider must report
 *   (Finnet names the merchant of the credential set in every answer);
 * - `reconciliation_results.provider_status`: the account-status values the provider gave
 *   (e.g. `{"userStatus":"premium","status":"approved_v2"}`), so a report shows why an
 *   account was called inactive, or why it was not;
 * - `reconciliation_results.provider_name`: the merchant name the provider reported.
 */
export class ProviderTruth1764000000000 implements MigrationInterface {
  name = 'ProviderTruth1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE provider_accounts DROP CONSTRAINT provider_accounts_provider_check`);
    await q.query(
      `ALTER TABLE provider_accounts ADD CONSTRAINT provider_accounts_provider_check CHECK (provider ~ '^[a-z][a-z0-9-]{0,31}$')`,
    );
    await q.query(`ALTER TABLE provider_accounts ADD COLUMN ms_id text`);
    await q.query(`ALTER TABLE provider_accounts ADD COLUMN expected_provider_name text`);
    await q.query(`ALTER TABLE reconciliation_results ADD COLUMN provider_status jsonb`);
    await q.query(`ALTER TABLE reconciliation_results ADD COLUMN provider_name text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_results DROP COLUMN provider_name`);
    await q.query(`ALTER TABLE reconciliation_results DROP COLUMN provider_status`);
    await q.query(`ALTER TABLE provider_accounts DROP COLUMN expected_provider_name`);
    await q.query(`ALTER TABLE provider_accounts DROP COLUMN ms_id`);
    await q.query(`ALTER TABLE provider_accounts DROP CONSTRAINT provider_accounts_provider_check`);
    await q.query(
      `ALTER TABLE provider_accounts ADD CONSTRAINT provider_accounts_provider_check CHECK (provider IN ('netzme', 'nicepay', 'finnet'))`,
    );
  }
}
