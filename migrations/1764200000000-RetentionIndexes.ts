import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention deletes old runs; Postgres checks each deleted run against the discrepancies that
 * name it (foreign keys without an index would scan the table once per run).
 */
export class RetentionIndexes1764200000000 implements MigrationInterface {
  name = 'RetentionIndexes1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX discrepancies_opened_run ON discrepancies (opened_run_id)`);
    await q.query(`CREATE INDEX discrepancies_last_run ON discrepancies (last_run_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX discrepancies_last_run`);
    await q.query(`DROP INDEX discrepancies_opened_run`);
  }
}
