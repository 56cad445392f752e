import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `reconciliation_runs.announced_at`: when a finished run's `run.finished` (and the
 * discrepancies it opened and closed) went to the alert queue. A worker that died between
 * finishing the run in Postgres and queueing its alerts left it unannounced for good; the run
 * sweeper now announces such a run. Runs that ended before this column count as announced.
 */
export class RunAnnouncements1764900000000 implements MigrationInterface {
  name = 'RunAnnouncements1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_runs ADD COLUMN announced_at timestamptz`);
    await q.query(
      `UPDATE reconciliation_runs SET announced_at = finished_at WHERE status <> 'running'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_runs DROP COLUMN announced_at`);
  }
}
