import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Explain every break with the provider's history (issue 15):
 * - `ledger_entries.provider_ref`: the provider's own transaction id of the movement, optional,
 *   so a ledger entry is matched to a provider event by id before by amount and time;
 * - `reconciliation_results.attribution`: the bridge of a `mismatched` result (ledger +
 *   provider-only − ledger-only + amount differences = provider balance, the remainder and
 *   the unmatched items), or why it could not be built.
 */
export class ExplainBreaks1764600000000 implements MigrationInterface {
  name = 'ExplainBreaks1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger_entries ADD COLUMN provider_ref text`);
    await q.query(
      `CREATE INDEX ledger_entries_provider_ref ON ledger_entries (account_id, provider_ref) WHERE provider_ref IS NOT NULL`,
    );
    await q.query(`ALTER TABLE reconciliation_results ADD COLUMN attribution jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_results DROP COLUMN attribution`);
    await q.query(`DROP INDEX ledger_entries_provider_ref`);
    await q.query(`ALTER TABLE ledger_entries DROP COLUMN provider_ref`);
  }
}
