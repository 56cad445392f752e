import { MigrationInterface, QueryRunner } from 'typeorm';

/** Discrepancies: one per account while a confirmed mismatch is not resolved. */
export class Discrepancies1763900000000 implements MigrationInterface {
  name = 'Discrepancies1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE discrepancies (
        id                bigserial PRIMARY KEY,
        account_id        bigint NOT NULL REFERENCES provider_accounts(id),
        status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
        opened_run_id     bigint NOT NULL REFERENCES reconciliation_runs(id),
        last_run_id       bigint NOT NULL REFERENCES reconciliation_runs(id),
        occurrences       integer NOT NULL DEFAULT 1,
        first_difference  bigint NOT NULL,
        last_difference   bigint NOT NULL,
        opened_at         timestamptz NOT NULL DEFAULT now(),
        last_seen_at      timestamptz NOT NULL DEFAULT now(),
        acknowledged_at   timestamptz,
        resolved_at       timestamptz,
        note              text,
        notified_at       timestamptz
      )`);
    // At most one discrepancy per account that is not resolved: a persisting break is one alarm.
    await q.query(
      `CREATE UNIQUE INDEX discrepancies_one_active ON discrepancies (account_id) WHERE status <> 'resolved'`,
    );
    await q.query(`CREATE INDEX discrepancies_status ON discrepancies (status, last_seen_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE discrepancies`);
  }
}
