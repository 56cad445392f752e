import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the alerts need to announce each change once: the run whose match closed a
 * discrepancy (`discrepancy.resolved` with no person), and when a run was found past its
 * deadline (`run.stalled` is sent once per run).
 */
export class AlertMarks1764400000001 implements MigrationInterface {
  name = 'AlertMarks1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE discrepancies ADD COLUMN resolved_run_id bigint REFERENCES reconciliation_runs(id)`,
    );
    await q.query(`ALTER TABLE reconciliation_runs ADD COLUMN stalled_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_runs DROP COLUMN stalled_at`);
    await q.query(`ALTER TABLE discrepancies DROP COLUMN resolved_run_id`);
  }
}
