import { MigrationInterface, QueryRunner } from 'typeorm';

const INDEXES: { name: string; definition: string }[] = [
  // A run's results in report order: |difference| descending (none, as -1, last), then
  // account id. Serves the paginated results and the keyset batches of the streamed CSV
  // (each batch is one range scan from the previous batch's last key).
  {
    name: 'reconciliation_results_run_difference',
    definition: `ON reconciliation_results (run_id, (coalesce(abs(difference), -1)) DESC, account_id)`,
  },
  // Only the mismatches, so small: the daily chart and mismatch lists read these without
  // touching every matched result of every run.
  {
    name: 'reconciliation_results_mismatched',
    definition: `ON reconciliation_results (run_id, account_id) INCLUDE (difference) WHERE status = 'mismatched'`,
  },
];

/**
 * Indexes of the reports API and page. On a table that already holds results they are
 * built CONCURRENTLY (hence no transaction), so a live system keeps writing results; on an
 * empty table (a new database, every test schema) a plain build is instant and does not
 * wait for unrelated transactions of the whole database as CONCURRENTLY does.
 */
export class ReportIndexes1763800000000 implements MigrationInterface {
  name = 'ReportIndexes1763800000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const [{ populated }]: { populated: boolean }[] = await q.query(
      `SELECT EXISTS (SELECT 1 FROM reconciliation_results) AS populated`,
    );
    const concurrently = populated ? 'CONCURRENTLY' : '';
    for (const index of INDEXES) {
      // A failed CONCURRENTLY build leaves an invalid index behind: drop it before retrying.
      await q.query(`DROP INDEX ${concurrently} IF EXISTS ${index.name}`);
      await q.query(`CREATE INDEX ${concurrently} ${index.name} ${index.definition}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of [...INDEXES].reverse()) await q.query(`DROP INDEX IF EXISTS ${index.name}`);
  }
}
