import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/infra';
import { ledgerEntriesRepository, preparedQuery } from '@app/ledger';
import { errorResult, resultsRepository, runsRepository } from '@app/reconciliation';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { createAccounts } from './repository-fixtures';

/**
 * The per-account statements are prepared once per connection (bench/README.md, fourteenth
 * round: planning was a third of their time). A pool of one connection shows what that
 * connection holds in `pg_prepared_statements`.
 */
describe('preparedQuery (real Postgres)', () => {
  const config = testConfig({ DATABASE_POOL_SIZE: '1' });
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;

  /** The statements the connection holds prepared that it did not hold at `since`. */
  let since: Set<string>;
  const prepared = async (): Promise<{ name: string; statement: string }[]> =>
    (
      (await ds.query(
        `SELECT name, statement FROM pg_prepared_statements ORDER BY prepare_time`,
      )) as { name: string; statement: string }[]
    ).filter((s) => !since.has(s.name));

  beforeAll(async () => {
    database = await createTestDatabase(config);
    ds = database.dataSource;
  }, 30_000);
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    since = new Set();
    since = new Set((await prepared()).map((s) => s.name));
  });

  it('prepares a statement once on the connection and answers from it each time', async () => {
    const text = 'SELECT $1::int + 1 AS n';
    expect(await preparedQuery(ds, text, [1])).toEqual([{ n: 2 }]);
    expect(await preparedQuery(ds, text, [41])).toEqual([{ n: 42 }]);
    const statements = await prepared();
    expect(statements).toHaveLength(1);
    expect(statements[0].name).toMatch(/^recon_[0-9a-f]{24}$/);
    expect(statements[0].statement).toBe(text);
  });

  it('gives two texts two statements on the same connection', async () => {
    expect(await preparedQuery(ds, 'SELECT $1::int AS a', [1])).toEqual([{ a: 1 }]);
    expect(await preparedQuery(ds, 'SELECT $1::int AS b', [2])).toEqual([{ b: 2 }]);
    const names = (await prepared()).map((s) => s.name);
    expect(new Set(names).size).toBe(2);
  });

  it("runs on a transaction's own connection, unprepared, inside the transaction", async () => {
    const [accountId] = await createAccounts(ds, ['prepared-tx']);
    await expect(
      ds.transaction(async (manager) => {
        await preparedQuery(manager, `UPDATE provider_accounts SET enabled = false WHERE id = $1`, [
          accountId,
        ]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const [row]: { enabled: boolean }[] = await ds.query(
      `SELECT enabled FROM provider_accounts WHERE id = $1`,
      [accountId],
    );
    expect(row.enabled).toBe(true);
    expect(await prepared()).toEqual([]);
  });

  it("keeps the result upsert and the ledger snapshots prepared, and the job start's lookup planned per call", async () => {
    const [a, b] = await createAccounts(ds, ['prepared-1', 'prepared-2']);
    const { runId } = (await runsRepository.create(ds, 'api', {}, null))!;
    const now = new Date();
    const snapshot = (accountId: string) => ({
      accountId,
      asOf: now,
      windowStart: new Date(now.getTime() - 60_000),
      answeredAt: now,
    });
    await ledgerEntriesRepository.readSnapshotBalances(ds, [snapshot(a)], 100);
    await ledgerEntriesRepository.readSnapshotBalances(ds, [snapshot(a), snapshot(b)], 100);
    await resultsRepository.readJobStarts(ds, [{ runId, accountId: a }]);
    await resultsRepository.upsertBatch(ds, [
      { ...errorResult({ runId, accountId: a, attempts: 1 }), status: 'matched', final: true },
    ]);
    const statements = (await prepared()).map((s) => s.statement.replace(/\s+/g, ' ').trim());
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatch(/^SELECT balance_after, part, posted_at FROM/);
    expect(statements[1]).toMatch(/^SELECT q\.i, e\.balance_after/);
    expect(statements[2]).toMatch(/^WITH input AS/);
  });

  it('a column type changed under a prepared statement fails one call, then the pool answers from a new connection', async () => {
    await ds.query(`CREATE TABLE prepared_shape (a int, b text)`);
    await ds.query(`INSERT INTO prepared_shape VALUES (1, 'x')`);
    const text = 'SELECT a, b FROM prepared_shape WHERE a = $1';
    expect(await preparedQuery(ds, text, [1])).toEqual([{ a: 1, b: 'x' }]);
    // A migration of a rolling deploy, while this process's connection holds the statement.
    await ds.query(`ALTER TABLE prepared_shape ALTER COLUMN a TYPE bigint`);
    await expect(preparedQuery(ds, text, [1])).rejects.toThrow(
      'cached plan must not change result type',
    );
    // pg-pool closed the connection that failed: the statement is prepared again on a new one.
    expect(await preparedQuery(ds, text, [1])).toEqual([{ a: '1', b: 'x' }]);
  });

  it('with DATABASE_PREPARED_STATEMENTS=false sends every statement unnamed', async () => {
    const unnamed = new DataSource(
      dataSourceOptions(
        testConfig({
          DATABASE_SCHEMA: config.DATABASE_SCHEMA,
          DATABASE_POOL_SIZE: '1',
          DATABASE_PREPARED_STATEMENTS: 'false',
        }),
      ),
    );
    await unnamed.initialize();
    try {
      const [a] = await createAccounts(unnamed, ['unnamed-1']);
      const { runId } = (await runsRepository.create(unnamed, 'api', {}, null))!;
      const now = new Date();
      const snapshot = { accountId: a, asOf: now, windowStart: now, answeredAt: now };
      await ledgerEntriesRepository.readSnapshotBalances(unnamed, [snapshot, snapshot], 100);
      await resultsRepository.upsertBatch(unnamed, [
        { ...errorResult({ runId, accountId: a, attempts: 1 }), status: 'matched', final: true },
      ]);
      expect(await preparedQuery(unnamed, 'SELECT $1::int AS n', [7])).toEqual([{ n: 7 }]);
      expect(await unnamed.query(`SELECT name FROM pg_prepared_statements`)).toEqual([]);
    } finally {
      await unnamed.destroy();
    }
  });

  it("on a closed data source answers TypeORM's error, as a plain statement would", async () => {
    const closed = new DataSource(dataSourceOptions(config));
    const plain = await closed.query('SELECT 1').catch((e: Error) => e);
    const viaHelper = await preparedQuery(closed, 'SELECT 1', []).catch((e: Error) => e);
    expect(plain).toBeInstanceOf(Error);
    expect(viaHelper).toBeInstanceOf(Error);
    expect((viaHelper as Error).message).toBe((plain as Error).message);
  });
});
