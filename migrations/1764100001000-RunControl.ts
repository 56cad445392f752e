import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Run control: runs `cancelled` by an operator and scheduled ticks `skipped` because a run of
 * the same scope was still running (each with a `note` saying why), and runs over an explicit
 * list of accounts (`account_list`: not the scope of a scheduled run).
 */
export class RunControl1764100001000 implements MigrationInterface {
  name = 'RunControl1764100001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE reconciliation_runs DROP CONSTRAINT reconciliation_runs_status_check`,
    );
    await q.query(
      `ALTER TABLE reconciliation_runs ADD CONSTRAINT reconciliation_runs_status_check
         CHECK (status IN ('running', 'finished', 'failed', 'cancelled', 'skipped'))`,
    );
    await q.query(`ALTER TABLE reconciliation_runs ADD COLUMN note text`);
    await q.query(
      `ALTER TABLE reconciliation_runs ADD COLUMN account_list boolean NOT NULL DEFAULT false`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_runs DROP COLUMN account_list`);
    await q.query(`ALTER TABLE reconciliation_runs DROP COLUMN note`);
    await q.query(
      `ALTER TABLE reconciliation_runs DROP CONSTRAINT reconciliation_runs_status_check`,
    );
    await q.query(
      `ALTER TABLE reconciliation_runs ADD CONSTRAINT reconciliation_runs_status_check
         CHECK (status IN ('running', 'finished', 'failed'))`,
    );
  }
}
