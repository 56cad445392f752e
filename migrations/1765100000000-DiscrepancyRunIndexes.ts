import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes of the last two run columns of `discrepancies` that reference reconciliation_runs,
 * for the reason RetentionIndexes gave the first two: retention deletes old runs, and Postgres
 * checks each deleted run against every foreign key naming it. Without an index on
 * `resolved_run_id` (AlertMarks) and `reopened_run_id` (DiscrepancyReopening) each check
 * scanned the whole table, once per run deleted, and retention's own "no discrepancy names
 * this run" test (runs.repository deleteExpired) could not use an index for them either.
 *
 * Partial (`IS NOT NULL`): most discrepancies were never reopened, and one a person resolved
 * names no resolving run, so those rows stay out of the index; a lookup by run id (`= $1`)
 * implies the column is not null, so the planner uses them for both.
 */
export class DiscrepancyRunIndexes1765100000000 implements MigrationInterface {
  name = 'DiscrepancyRunIndexes1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX discrepancies_resolved_run ON discrepancies (resolved_run_id) WHERE resolved_run_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX discrepancies_reopened_run ON discrepancies (reopened_run_id) WHERE reopened_run_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX discrepancies_reopened_run`);
    await q.query(`DROP INDEX discrepancies_resolved_run`);
  }
}
