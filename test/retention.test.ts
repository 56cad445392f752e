import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import pino from 'pino';
import { queuePrefix } from '@app/infra';
import { RETENTION_SCHEDULER_ID, SCHEDULE_QUEUE } from '@app/queue';
import { deleteExpired } from '@app/reconciliation';
import { ProducerModule } from '../apps/producer/src/producer.module';
import { deleteRedisKeys } from './support/redis-cleanup';
import { createTestDatabase } from './support/test-database';
import { testConfig } from './support/test-config';

const DAY = 86_400_000;

/**
 * Retention on the real Postgres: old results and runs go, in batches; each account's latest
 * result, results an unresolved discrepancy points at, running runs and runs a discrepancy
 * names stay; discrepancies are never deleted.
 */
describe('retention', () => {
  const config = testConfig({ RETENTION_DAYS: '90', RETENTION_CRON: '15 2 * * *' });
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const now = new Date('2026-12-01T00:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase(config);
  });
  afterAll(async () => {
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params);
  async function account(no: string): Promise<string> {
    await q(`INSERT INTO merchants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, [`m-${no}`]);
    const [row] = await q(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no) VALUES ($1, 'netzme', $2) RETURNING id`,
      [`m-${no}`, no],
    );
    return String(row.id);
  }
  async function run(daysAgo: number, status = 'finished'): Promise<string> {
    const [row] = await q(
      `INSERT INTO reconciliation_runs (trigger, status, started_at) VALUES ('cli', $1, $2) RETURNING id`,
      [status, new Date(now.getTime() - daysAgo * DAY)],
    );
    return String(row.id);
  }
  async function result(runId: string, accountId: string, status = 'matched'): Promise<void> {
    await q(
      `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, attempts) VALUES ($1, $2, $3, true, 1)`,
      [runId, accountId, status],
    );
  }
  async function discrepancy(accountId: string, runId: string, status: string): Promise<void> {
    await q(
      `INSERT INTO discrepancies (account_id, status, opened_run_id, last_run_id, first_difference, last_difference)
       VALUES ($1, $2, $3, $3, 100, 100)`,
      [accountId, status, runId],
    );
  }
  const resultsOf = async (runId: string) =>
    (
      await q(
        `SELECT account_id FROM reconciliation_results WHERE run_id = $1 ORDER BY account_id`,
        [runId],
      )
    ).map((r: { account_id: string }) => String(r.account_id));
  const runExists = async (runId: string) =>
    (await q(`SELECT 1 FROM reconciliation_runs WHERE id = $1`, [runId])).length === 1;

  it('deletes old results and runs in batches and keeps what must stay', async () => {
    const [a, b, c, d] = [
      await account('A'),
      await account('B'),
      await account('C'),
      await account('D'),
    ];
    const oldest = await run(120); // only superseded results: deleted with its results
    const old = await run(100); // C's result under an open discrepancy; D's resolved one names it
    const older = await run(95); // B's latest result: stays
    const stillRunning = await run(200, 'running');
    const recent = await run(1);
    await result(oldest, a);
    await result(oldest, b);
    for (const x of [a, b, c, d])
      await result(old, x, x === c || x === d ? 'mismatched' : 'matched');
    await result(older, a);
    await result(older, b);
    await result(stillRunning, a);
    await result(recent, a);
    await result(recent, c);
    await result(recent, d);
    await discrepancy(c, old, 'open');
    await discrepancy(d, old, 'resolved');

    const outcome = await deleteExpired(db.dataSource, { olderThanDays: 90, batchSize: 2, now });

    expect(await resultsOf(oldest)).toEqual([]);
    expect(await runExists(oldest)).toBe(false);
    // A's and D's old results are superseded; C's stays for its open discrepancy.
    expect(await resultsOf(old)).toEqual([c]);
    expect(await runExists(old)).toBe(true);
    // B's latest result is 95 days old and stays; A's there is superseded.
    expect(await resultsOf(older)).toEqual([b]);
    expect(await resultsOf(stillRunning)).toEqual([a]);
    expect(await resultsOf(recent)).toEqual([a, c, d]);
    expect((await q(`SELECT count(*)::int AS n FROM discrepancies`))[0].n).toBe(2);
    // `oldest`: A and B; `old`: A, B and D; `older`: A.
    expect(outcome.results).toBe(2 + 3 + 1);
    expect(outcome.runs).toBe(1);
    // Batches of 2: at least ceil(6 / 2) result batches plus the runs'.
    expect(outcome.batches).toBeGreaterThanOrEqual(4);

    // A second pass finds nothing more.
    expect(
      await deleteExpired(db.dataSource, { olderThanDays: 90, batchSize: 2, now }),
    ).toMatchObject({ results: 0, runs: 0 });
  });

  it('keeps a run that closed a discrepancy (its account matched again) and deletes the others', async () => {
    const e = await account('E');
    const opening = await run(140);
    const closing = await run(130); // E matched again: it resolved the discrepancy, and is named
    const plain = await run(135); // nothing names it: deleted in the same pass
    await result(opening, e, 'mismatched');
    await result(closing, e);
    await result(plain, e);
    await result(await run(1), e);
    await discrepancy(e, opening, 'resolved');
    await q(`UPDATE discrepancies SET resolved_run_id = $1 WHERE account_id = $2`, [closing, e]);

    // It failed here: deleting `closing` broke discrepancies.resolved_run_id's foreign key,
    // so the whole statement, and every later retention pass, failed.
    await deleteExpired(db.dataSource, { olderThanDays: 90, batchSize: 10, now });

    expect(await runExists(closing)).toBe(true);
    expect(await runExists(plain)).toBe(false);
    expect(await resultsOf(closing)).toEqual([]);
  });

  it('keeps a run that reopened an acknowledged discrepancy (its difference moved)', async () => {
    const f = await account('F');
    const opening = await run(140);
    const reopening = await run(130);
    await result(opening, f, 'mismatched');
    await result(reopening, f, 'mismatched');
    await result(await run(1), f);
    await discrepancy(f, opening, 'open');
    await q(`UPDATE discrepancies SET reopened_run_id = $1 WHERE account_id = $2`, [reopening, f]);

    await deleteExpired(db.dataSource, { olderThanDays: 90, batchSize: 10, now });

    expect(await runExists(reopening)).toBe(true);
  });

  it('the producer installs the retention job on its cron, and removes it with RETENTION_DAYS=0', async () => {
    const queue = new Queue(SCHEDULE_QUEUE, {
      connection: { url: config.REDIS_URL },
      prefix: queuePrefix(config),
    });
    try {
      let producer = await NestFactory.createApplicationContext(
        ProducerModule.forRoot(config, pino({ level: 'silent' })),
        { logger: false },
      );
      expect((await queue.getJobScheduler(RETENTION_SCHEDULER_ID))?.pattern).toBe('15 2 * * *');
      await producer.close();
      producer = await NestFactory.createApplicationContext(
        ProducerModule.forRoot({ ...config, RETENTION_DAYS: 0 }, pino({ level: 'silent' })),
        { logger: false },
      );
      expect(await queue.getJobScheduler(RETENTION_SCHEDULER_ID)).toBeUndefined();
      await producer.close();
    } finally {
      await queue.close();
    }
  });
});
