import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Result status `unavailable`: the account's provider was taken for down (its circuit breaker
 * open) until the run's deadline, so the account was never asked.
 */
export class UnavailableStatus1764100000000 implements MigrationInterface {
  name = 'UnavailableStatus1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE reconciliation_results DROP CONSTRAINT reconciliation_results_status_check`,
    );
    await q.query(
      `ALTER TABLE reconciliation_results ADD CONSTRAINT reconciliation_results_status_check
         CHECK (status IN ('matched', 'mismatched', 'timing', 'inactive', 'error', 'unavailable'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE reconciliation_results DROP CONSTRAINT reconciliation_results_status_check`,
    );
    await q.query(
      `ALTER TABLE reconciliation_results ADD CONSTRAINT reconciliation_results_status_check
         CHECK (status IN ('matched', 'mismatched', 'timing', 'inactive', 'error'))`,
    );
  }
}
