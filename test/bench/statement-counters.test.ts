import Redis from 'ioredis';
import { countersPerAccount, readCounters, WorkCounters } from '../../bench/counters';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

/** The bench's per-statement rows (pg_stat_statements), bench/README.md "Per statement". */
describe('bench: Postgres statements per account', () => {
  const counters = (
    statements:
      | [string, { query: string; calls: number; execMs: number; planMs: number; rows: number }][]
      | null,
  ): WorkCounters => ({
    redisCalls: {},
    postgres: { xacts: 0, returned: 0, fetched: 0, inserted: 0, updated: 0, deleted: 0 },
    statements: statements && new Map(statements),
  });

  it('ranks the statements by the run’s execution + planning time, per account, leaving out those not called', () => {
    const before = counters([
      ['1/true', { query: 'SELECT   old', calls: 10, execMs: 100, planMs: 0, rows: 10 }],
      ['2/true', { query: 'INSERT\n  INTO results', calls: 5, execMs: 50, planMs: 10, rows: 5 }],
    ]);
    const after = counters([
      ['1/true', { query: 'SELECT   old', calls: 10, execMs: 100, planMs: 0, rows: 10 }],
      [
        '2/true',
        { query: 'INSERT\n  INTO results', calls: 105, execMs: 250, planMs: 30, rows: 2005 },
      ],
      ['3/true', { query: 'SELECT new', calls: 200, execMs: 10, planMs: 290, rows: 200 }],
    ]);
    expect(countersPerAccount(before, after, 1000)!.statements).toEqual([
      { statement: 'SELECT new', calls: 0.2, execMs: 0.01, planMs: 0.29, rows: 0.2 },
      { statement: 'INSERT INTO results', calls: 0.1, execMs: 0.2, planMs: 0.02, rows: 2 },
    ]);
  });

  it('has no rows when a reading had no pg_stat_statements', () => {
    const some = counters([
      ['1/true', { query: 'SELECT 1', calls: 1, execMs: 1, planMs: 0, rows: 1 }],
    ]);
    expect(countersPerAccount(counters(null), some, 10)!.statements).toBeNull();
  });

  it('reads null statements, and the other counters, from a server that does not load the extension', async () => {
    const config = testConfig();
    const database = await createTestDatabase(config);
    const redis = new Redis(config.REDIS_URL);
    try {
      const [loaded]: { n: string }[] = await database.dataSource.query(
        `SELECT count(*) AS n FROM pg_extension WHERE extname = 'pg_stat_statements'`,
      );
      // The shared test server does not load it (bench/README.md); if a machine did, this
      // test would say so rather than pass for the wrong reason.
      expect(Number(loaded.n)).toBe(0);
      const read = await readCounters(redis, database.dataSource);
      expect(read).not.toBeNull();
      expect(read!.statements).toBeNull();
      expect(read!.postgres.xacts).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
      await database.drop();
    }
  });
});
