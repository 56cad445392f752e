import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The breaks of every run, so small: a break is a `mismatched` result or an `inactive` one with
 * a difference (`isBreakSql`), and the daily report and chart read them without touching every
 * matched result of every run. `reconciliation_results_mismatched` cannot serve a condition
 * that also takes `inactive` ones: without this index the daily report read the whole table.
 * Built CONCURRENTLY on a table that holds results, as ReportIndexes.
 */
export class BreakIndex1765300000000 implements MigrationInterface {
  name = 'BreakIndex1765300000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const [{ populated }]: { populated: boolean }[] = await q.query(
      `SELECT EXISTS (SELECT 1 FROM reconciliation_results) AS populated`,
    );
    const concurrently = populated ? 'CONCURRENTLY' : '';
    // A failed CONCURRENTLY build leaves an invalid index behind: drop it before retrying.
    await q.query(`DROP INDEX ${concurrently} IF EXISTS reconciliation_results_breaks`);
    await q.query(
      `CREATE INDEX ${concurrently} reconciliation_results_breaks ON reconciliation_results (run_id, account_id)
         INCLUDE (difference) WHERE status IN ('mismatched', 'inactive')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS reconciliation_results_breaks`);
  }
}
