import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A break's bridge also lists the ledger entries back-dated before the account's last matched
 * check (stored after it, dated before it): found by `created_at`, so an account's entries
 * stored since an instant are read through this index instead of its whole history.
 */
export class BackdatedEntries1764900000000 implements MigrationInterface {
  name = 'BackdatedEntries1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ledger_entries_created ON ledger_entries (account_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger_entries_created`);
  }
}
