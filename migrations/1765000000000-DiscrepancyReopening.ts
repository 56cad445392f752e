import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What reopening an acknowledged discrepancy needs: the difference a person acknowledged
 * (`acknowledged_difference`: a later run finding it moved by more than RECON_TOLERANCE puts the
 * discrepancy back to `open`), the run that reopened it (`reopened_run_id`) and when its
 * `discrepancy.reopened` alert was delivered (`reopen_notified_at`), as `notified_at` does for
 * `discrepancy.opened`.
 *
 * A discrepancy acknowledged before this gets the difference its acknowledgement recorded in
 * the audit trail (`after.lastDifference`), else its last one: one whose difference grew since
 * it was acknowledged is reopened, and announced, by the first run that still sees it so.
 */
export class DiscrepancyReopening1765000000000 implements MigrationInterface {
  name = 'DiscrepancyReopening1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE discrepancies
        ADD COLUMN acknowledged_difference bigint,
        ADD COLUMN reopened_run_id bigint REFERENCES reconciliation_runs(id),
        ADD COLUMN reopen_notified_at timestamptz`);
    await q.query(`
      UPDATE discrepancies d
         SET acknowledged_difference = coalesce((
               SELECT replace(a.after->>'lastDifference', '.', '')::bigint
                 FROM audit_log a
                WHERE a.subject_type = 'discrepancy' AND a.subject_id = d.id::text
                  AND a.action = 'discrepancy.acknowledge'
                  AND a.after->>'lastDifference' ~ '^-?[0-9]+\\.[0-9]{2}$'
                ORDER BY a.id DESC LIMIT 1),
               d.last_difference)
       WHERE d.status = 'acknowledged'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE discrepancies
        DROP COLUMN reopen_notified_at,
        DROP COLUMN reopened_run_id,
        DROP COLUMN acknowledged_difference`);
  }
}
