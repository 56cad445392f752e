import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail: one row per state change made by a person or an API key (who, with which
 * role, when, what, the state before and after, their note). Append-only: a trigger refuses
 * UPDATE, DELETE and TRUNCATE, so neither a bug nor a retention job can rewrite history.
 */
export class AuditLog1764400000000 implements MigrationInterface {
  name = 'AuditLog1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id            bigserial PRIMARY KEY,
        at            timestamptz NOT NULL DEFAULT now(),
        actor_name    text NOT NULL,
        actor_role    text NOT NULL,
        action        text NOT NULL,
        subject_type  text NOT NULL,
        subject_id    text NOT NULL,
        account_id    bigint,
        before        jsonb,
        after         jsonb,
        note          text
      )`);
    // No foreign key on account_id: the trail must outlive whatever it talks about.
    await q.query(`CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, id)`);
    await q.query(
      `CREATE INDEX audit_log_account ON audit_log (account_id, id) WHERE account_id IS NOT NULL`,
    );
    await q.query(`
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_refuse_change()`);
  }
}
