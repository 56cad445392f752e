import { MigrationInterface, QueryRunner } from 'typeorm';

/** Merchants, provider accounts, the ledger with its running balance, runs and results. */
export class InitialSchema1763700000000 implements MigrationInterface {
  name = 'InitialSchema1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE merchants (
        id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
        name        text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE provider_accounts (
        id              bigserial PRIMARY KEY,
        merchant_id     text NOT NULL REFERENCES merchants(id),
        provider        text NOT NULL CHECK (provider IN ('netzme', 'nicepay', 'finnet')),
        account_no      text NOT NULL CHECK (account_no ~ '^[A-Za-z0-9._-]{1,64}$'),
        currency        char(3) NOT NULL DEFAULT 'IDR' CHECK (currency ~ '^[A-Z]{3}$'),
        credential_set  text,
        enabled         boolean NOT NULL DEFAULT true,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        UNIQUE (provider, account_no)
      )`);
    await q.query(`CREATE INDEX provider_accounts_merchant ON provider_accounts (merchant_id)`);
    // balance_after is the running balance after this entry in (posted_at, id) order, so the
    // balance as of T is one index-only lookup whatever the account's history length.
    await q.query(`
      CREATE TABLE ledger_entries (
        id             bigserial PRIMARY KEY,
        account_id     bigint NOT NULL REFERENCES provider_accounts(id),
        entry_ref      text NOT NULL,
        amount         bigint NOT NULL,
        posted_at      timestamptz NOT NULL,
        balance_after  bigint NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account_id, entry_ref)
      )`);
    await q.query(`
      CREATE INDEX ledger_entries_as_of
        ON ledger_entries (account_id, posted_at DESC, id DESC) INCLUDE (balance_after, amount)`);
    await q.query(`
      CREATE TABLE reconciliation_runs (
        id               bigserial PRIMARY KEY,
        trigger          text NOT NULL CHECK (trigger IN ('schedule', 'api', 'cli')),
        schedule_key     text UNIQUE,
        provider_filter  text,
        merchant_filter  text,
        status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'failed')),
        account_ids      bigint[] NOT NULL DEFAULT '{}',
        account_count    integer NOT NULL DEFAULT 0,
        completed_count  integer NOT NULL DEFAULT 0,
        summary          jsonb,
        started_at       timestamptz NOT NULL DEFAULT now(),
        finished_at      timestamptz
      )`);
    await q.query(
      `CREATE INDEX reconciliation_runs_started ON reconciliation_runs (started_at DESC)`,
    );
    await q.query(`
      CREATE TABLE reconciliation_results (
        id                bigserial PRIMARY KEY,
        run_id            bigint NOT NULL REFERENCES reconciliation_runs(id) ON DELETE CASCADE,
        account_id        bigint NOT NULL REFERENCES provider_accounts(id),
        status            text NOT NULL CHECK (status IN ('matched', 'mismatched', 'timing', 'inactive', 'error')),
        is_final          boolean NOT NULL,
        provider_balance  bigint,
        ledger_balance    bigint,
        difference        bigint,
        in_flight_amount  bigint,
        currency          char(3),
        response_code     text,
        attempts          integer NOT NULL,
        provider_time     timestamptz,
        as_of             timestamptz,
        external_id       text,
        error_message     text,
        checked_at        timestamptz NOT NULL DEFAULT now(),
        UNIQUE (run_id, account_id)
      )`);
    await q.query(
      `CREATE INDEX reconciliation_results_account ON reconciliation_results (account_id, run_id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reconciliation_results`);
    await q.query(`DROP TABLE reconciliation_runs`);
    await q.query(`DROP TABLE ledger_entries`);
    await q.query(`DROP TABLE provider_accounts`);
    await q.query(`DROP TABLE merchants`);
  }
}
