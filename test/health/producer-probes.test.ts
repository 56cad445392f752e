import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import pino from 'pino';
import type { Redis } from 'ioredis';
import { PROVIDER_QUEUES, REDIS } from '@app/infra';
import type { ProviderName } from '@app/snap';
import { createProducerApp } from '../../apps/producer/src/producer-app';
import { createAccount } from '../ledger/ledger-helpers';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { startTcpProxy } from '../support/tcp-proxy';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

const API_KEY = 'probe-test-api-key-0123456789';
const OPERATOR_KEY = 'probe-operator-key-0123456789';

/**
 * The producer's probes on the real app, with Postgres and Redis reached through proxies this
 * test can cut: live never fails on a dependency or on queue lag, ready fails while Postgres
 * or Redis is away and recovers without a restart, the lag is a metric and only `/health`
 * (kept for compatibility) fails on it.
 */
describe('producer /health/live and /health/ready', () => {
  const base = testConfig();
  let pg: Awaited<ReturnType<typeof startTcpProxy>>;
  let redis: Awaited<ReturnType<typeof startTcpProxy>>;
  let config: typeof base;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const pgUrl = new URL(base.DATABASE_URL);
    const redisUrl = new URL(base.REDIS_URL);
    pg = await startTcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    redis = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379), {
      recordSent: true,
    });
    config = {
      ...base,
      DATABASE_URL: pg.via(base.DATABASE_URL),
      REDIS_URL: redis.via(base.REDIS_URL),
      HEALTH_MAX_QUEUE_LAG_SECONDS: 30,
      // A subscriber (never reached: no worker here) so that a resolve queues an alert.
      WEBHOOK_URL: 'http://127.0.0.1:9/alerts',
      WEBHOOK_SECRET: 'probe-test-webhook-secret-0123456789',
      API_KEYS: [
        { name: 'probe-test', role: 'viewer', secret: API_KEY },
        { name: 'probe-operator', role: 'operator', secret: OPERATOR_KEY },
      ],
    };
    db = await createTestDatabase(base);
    app = await createProducerApp(config, pino({ level: 'silent' }));
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
    await deleteRedisKeys(base.REDIS_URL, base.QUEUE_PREFIX);
    await pg.close();
    await redis.close();
  });

  const status = async (path: string) => {
    const res = await fetch(url + path);
    return { code: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('both answer 200 without credentials while Postgres and Redis answer', async () => {
    expect(await status('/health/live')).toEqual({ code: 200, body: { status: 'ok' } });
    const ready = await status('/health/ready');
    expect(ready.code).toBe(200);
    expect(Object.keys(ready.body.info as object)).toEqual(['postgres', 'redis']);
  });

  it('a lagging queue fails only /health; live and ready stay 200 and the lag is a metric', async () => {
    const queues = app.get<Record<ProviderName, Queue>>(PROVIDER_QUEUES);
    // A job waiting two minutes (no worker runs here): the workers are behind.
    await queues.netzme.add(
      'balance',
      { runId: '0', accountId: '0' },
      {
        jobId: 'lagging',
        timestamp: Date.now() - 120_000,
      },
    );
    expect((await status('/health')).code).toBe(503);
    expect((await status('/health/live')).code).toBe(200);
    expect((await status('/health/ready')).code).toBe(200);
    const metrics = await (
      await fetch(`${url}/metrics`, { headers: { 'x-api-key': API_KEY } })
    ).text();
    const line = metrics
      .split('\n')
      .find((l) => l.startsWith('bullmq_queue_lag_seconds{') && l.includes(queues.netzme.name));
    expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(119);
    await queues.netzme.remove('lagging');
  });

  it('a paused queue lags too: its waiting jobs count in the lag, /health and bullmq_jobs{state="paused"} (a queue paused in Bull Board showed 0)', async () => {
    const queues = app.get<Record<ProviderName, Queue>>(PROVIDER_QUEUES);
    await queues.nicepay.pause();
    try {
      await queues.nicepay.add(
        'balance',
        { runId: '0', accountId: '0' },
        { jobId: 'paused-lagging', timestamp: Date.now() - 120_000 },
      );
      expect((await status('/health')).code).toBe(503);
      const metrics = await (
        await fetch(`${url}/metrics`, { headers: { 'x-api-key': API_KEY } })
      ).text();
      /** The value of the first sample of `metric` whose labels hold every one of `labels`. */
      const sample = (metric: string, ...labels: string[]) =>
        metrics
          .split('\n')
          .find((l) => l.startsWith(`${metric}{`) && labels.every((x) => l.includes(x)))
          ?.split(' ')
          .pop();
      const queue = `queue="${queues.nicepay.name}"`;
      expect(Number(sample('bullmq_queue_lag_seconds', queue))).toBeGreaterThanOrEqual(119);
      expect(sample('bullmq_jobs', queue, 'state="paused"')).toBe('1');
      await queues.nicepay.remove('paused-lagging');
    } finally {
      await queues.nicepay.resume();
    }
  });

  it('probes and scrapes during a Redis outage queue nothing to be sent when Redis is back', async () => {
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const connection = app.get<Redis>(REDIS);
    await redis.cut();
    try {
      // A PING given while ioredis still thinks the socket is up is resent when it is back;
      // the probes of the outage as ioredis knows it are the ones that must not pile up.
      for (let i = 0; i < 50 && connection.status === 'ready'; i++)
        await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 5; i++) expect((await status('/health/ready')).code).toBe(503);
      expect((await status('/health')).code).toBe(503);
      // Nor does a scrape: its queue counts are not asked of a connection that is away.
      const queues = app.get<Record<ProviderName, Queue>>(PROVIDER_QUEUES);
      const reads = jest.spyOn(queues.netzme, 'getJobCounts');
      const scrape = await fetch(`${url}/metrics`, { headers: { 'x-api-key': API_KEY } });
      expect(await scrape.text()).toContain(
        'recon_metrics_source_up{source="queues",app="producer"} 0',
      );
      expect(reads).not.toHaveBeenCalled();
      reads.mockRestore();
      redis.takeSent();
    } finally {
      await redis.restore();
    }
    for (let i = 0; i < 100 && connection.status !== 'ready'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(connection.status).toBe('ready');
    await new Promise((r) => setTimeout(r, 500));
    quiet.mockRestore();
    // ioredis used to keep each probe's PING while Redis was away and send them all now.
    expect(redis.takeSent().match(/\r\nping\r\n/gi)?.length ?? 0).toBe(0);
    expect((await status('/health/ready')).code).toBe(200);
  }, 60_000);

  it('during a Redis outage the overview page answers at once with the providers unknown, and a resolve answers with its change stored (both waited for Redis to come back)', async () => {
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const accountId = await createAccount(db.dataSource, 'PROBE-RESOLVE', 'netzme', 'MPROBE');
    const [{ id: runId }] = await db.dataSource.query(
      `INSERT INTO reconciliation_runs (trigger, status) VALUES ('api', 'finished') RETURNING id`,
    );
    const [{ id }] = await db.dataSource.query(
      `INSERT INTO discrepancies (account_id, opened_run_id, last_run_id, first_difference, last_difference)
       VALUES ($1, $2, $2, -100, -100) RETURNING id`,
      [accountId, runId],
    );
    const connection = app.get<Redis>(REDIS);
    await redis.cut();
    try {
      for (let i = 0; i < 50 && connection.status === 'ready'; i++)
        await new Promise((r) => setTimeout(r, 20));
      let started = Date.now();
      const page = await fetch(`${url}/`, { headers: { 'x-api-key': API_KEY } });
      expect(page.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await page.text()).toMatch(
        /data-testid="providers-unknown"[\s\S]*The providers' states could not be read:\s+Redis connection is/,
      );

      started = Date.now();
      const resolved = await fetch(`${url}/discrepancies/${id}/resolve`, {
        method: 'POST',
        headers: { 'x-api-key': OPERATOR_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'refunded by hand' }),
      });
      expect(resolved.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(8_000);
      const [row] = await db.dataSource.query(`SELECT status FROM discrepancies WHERE id = $1`, [
        id,
      ]);
      expect(row.status).toBe('resolved');
    } finally {
      await redis.restore();
    }
    for (let i = 0; i < 100 && connection.status !== 'ready'; i++)
      await new Promise((r) => setTimeout(r, 100));
    quiet.mockRestore();
    // Back: the page shows the providers again.
    const page = await fetch(`${url}/`, { headers: { 'x-api-key': API_KEY } });
    expect(await page.text()).toContain('data-testid="provider-netzme"');
  }, 60_000);

  it("ready is 503 naming postgres when the apps' tables are gone from under it (it answered 200 to a dropped schema), and recovers", async () => {
    await db.dataSource.query(`ALTER TABLE reconciliation_runs RENAME TO reconciliation_runs_away`);
    try {
      const ready = await status('/health/ready');
      expect(ready.code).toBe(503);
      expect((ready.body.error as Record<string, unknown>).postgres).toEqual({
        status: 'down',
        message: 'relation "reconciliation_runs" does not exist',
      });
    } finally {
      await db.dataSource.query(
        `ALTER TABLE reconciliation_runs_away RENAME TO reconciliation_runs`,
      );
    }
    expect((await status('/health/ready')).code).toBe(200);
  });

  it.each(['redis', 'postgres'] as const)(
    'ready is 503 naming %s while it is away, live stays 200, and ready recovers',
    async (which) => {
      const proxy = which === 'redis' ? redis : pg;
      // BullMQ prints every refused reconnect of its queues through console.error: expected here.
      const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      await proxy.cut();
      try {
        const ready = await status('/health/ready');
        expect(ready.code).toBe(503);
        expect((ready.body.error as Record<string, { status: string }>)[which].status).toBe('down');
        // Public: what happened, not where (the address it could not reach) or as whom. The
        // next probe opens a new connection, refused: `connect ECONNREFUSED <address>`.
        const again = await status('/health/ready');
        for (const answer of [ready, again])
          expect(JSON.stringify(answer.body)).not.toMatch(
            new RegExp(`127\\.0\\.0\\.1|:${proxy.port}\\b`),
          );
        if (which === 'postgres')
          expect((again.body.error as Record<string, { message?: string }>).postgres.message).toBe(
            'connect ECONNREFUSED <address>',
          );
        expect(await status('/health/live')).toEqual({ code: 200, body: { status: 'ok' } });
        // `/health` answers too (its queue-lag check used to wait for Redis to come back).
        expect((await status('/health')).code).toBe(503);
        // The scrape still answers, with this process's metrics, and says which source failed.
        const started = Date.now();
        const res = await fetch(`${url}/metrics`, { headers: { 'x-api-key': API_KEY } });
        expect(res.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(8_000);
        const text = await res.text();
        expect(text).toContain('process_cpu_user_seconds_total');
        const down = which === 'redis' ? ['queues', 'breakers'] : ['runs'];
        if (which === 'redis') {
          // Two more scrapes during the outage queue no reads for when Redis is back (each
          // scrape used to; then they waited on the first one's read; now none is asked).
          const queues = app.get<Record<ProviderName, Queue>>(PROVIDER_QUEUES);
          const reads = jest.spyOn(queues.netzme, 'getJobCounts');
          await Promise.all(
            [1, 2].map(() => fetch(`${url}/metrics`, { headers: { 'x-api-key': API_KEY } })),
          );
          expect(reads).not.toHaveBeenCalled();
          reads.mockRestore();
          // A run cannot be enqueued: 503 at once, and no run row left behind for a retry to
          // duplicate (it used to be made, then the request waited for Redis to come back).
          const count = async () =>
            Number(
              (await db.dataSource.query(`SELECT count(*) AS n FROM reconciliation_runs`))[0].n,
            );
          const before = await count();
          const run = await fetch(`${url}/runs`, {
            method: 'POST',
            headers: { 'x-api-key': OPERATOR_KEY, 'content-type': 'application/json' },
            body: '{}',
          });
          expect(run.status).toBe(503);
          // At once: the queue's connection is not ready, so no PING waits for the outage.
          expect(((await run.json()) as { detail: string }).detail).toMatch(
            /^the queues' Redis does not answer \(Redis connection is (re)?connecting\): nothing was started or cancelled$/,
          );
          expect(await count()).toBe(before);
        }
        for (const source of ['queues', 'breakers', 'runs'])
          expect(text).toContain(
            `recon_metrics_source_up{source="${source}",app="producer"} ${down.includes(source) ? 0 : 1}`,
          );
      } finally {
        await proxy.restore();
      }
      let code = 0;
      for (let i = 0; i < 50 && code !== 200; i++) {
        code = (await status('/health/ready')).code;
        if (code !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      quiet.mockRestore();
      expect(code).toBe(200);
    },
    30_000,
  );
});
