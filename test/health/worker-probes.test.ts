import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/infra';
import { freePort } from '../chaos/support/services';
import { repoRoot } from '../deploy/compose-file';
import { bareEnv, buildDist, startNode } from '../deploy/run-node';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { startTcpProxy } from '../support/tcp-proxy';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

/**
 * The worker process from dist/ (as the image runs it) with its probes on WORKER_METRICS_PORT,
 * Postgres and Redis reached through proxies this test cuts: live stays 200, ready is 503
 * naming the missing dependency and 200 again once it is back, without a restart.
 */
describe('worker /health/live and /health/ready on the metrics port', () => {
  const config = testConfig();
  let pg: Awaited<ReturnType<typeof startTcpProxy>>;
  let redis: Awaited<ReturnType<typeof startTcpProxy>>;
  let worker: ReturnType<typeof startNode>;
  let url: string;

  beforeAll(async () => {
    await buildDist(repoRoot);
    await createTestDatabase(config).then((db) => db.dataSource.destroy());
    const pgUrl = new URL(config.DATABASE_URL);
    const redisUrl = new URL(config.REDIS_URL);
    pg = await startTcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    redis = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    worker = startNode(join(repoRoot, 'dist/apps/worker/src/main.js'), repoRoot, {
      ...bareEnv(),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: pg.via(config.DATABASE_URL),
      DATABASE_SCHEMA: config.DATABASE_SCHEMA,
      REDIS_URL: redis.via(config.REDIS_URL),
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      WORKER_METRICS_PORT: String(port),
      WORKER_SWEEP_INTERVAL_MS: '0',
    });
    for (let i = 0; i < 300; i++) {
      if (
        await fetch(`${url}/health/live`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      if (worker.output().includes('failed to start')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`worker did not answer /health/live: ${worker.output()}`);
  }, 300_000);
  afterAll(async () => {
    await worker?.stop();
    await pg?.close();
    await redis?.close();
    const ds = new DataSource(dataSourceOptions(config));
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${config.DATABASE_SCHEMA}" CASCADE`);
    await ds.destroy();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  const status = async (path: string) => {
    const res = await fetch(url + path);
    return { code: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('started with no SNAP credentials at all, it says so at warn (it started silently, and every job then ended error)', () => {
    expect(worker.output()).toContain(
      'no SNAP credentials at all (SNAP_CREDENTIALS_FILE or SNAP_<NAME>_* settings): every account will end error',
    );
  });

  it('live and ready answer 200 while Postgres and Redis answer; /metrics still serves', async () => {
    expect(await status('/health/live')).toEqual({ code: 200, body: { status: 'ok' } });
    expect(await status('/health/ready')).toEqual({
      code: 200,
      body: { status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } },
    });
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('recon_results_total');
  });

  it("ready is 503 naming postgres when the apps' tables are gone from under it (it answered 200 to a dropped schema), and recovers", async () => {
    const ds = new DataSource(dataSourceOptions(config));
    await ds.initialize();
    try {
      await ds.query(`ALTER TABLE reconciliation_runs RENAME TO reconciliation_runs_away`);
      try {
        const ready = await status('/health/ready');
        expect(ready.code).toBe(503);
        const info = ready.body.info as Record<string, { status: string; message?: string }>;
        expect(info.postgres).toEqual({
          status: 'down',
          message: 'relation "reconciliation_runs" does not exist',
        });
      } finally {
        await ds.query(`ALTER TABLE reconciliation_runs_away RENAME TO reconciliation_runs`);
      }
      expect((await status('/health/ready')).code).toBe(200);
    } finally {
      await ds.destroy();
    }
  });

  it.each(['redis', 'postgres'] as const)(
    'ready is 503 naming %s while it is away, live stays 200, and ready recovers',
    async (which) => {
      const proxy = which === 'redis' ? redis : pg;
      await proxy.cut();
      try {
        const ready = await status('/health/ready');
        expect(ready.code).toBe(503);
        const info = ready.body.info as Record<string, { status: string }>;
        expect(info[which].status).toBe('down');
        expect(info[which === 'redis' ? 'postgres' : 'redis'].status).toBe('up');
        expect(await status('/health/live')).toEqual({ code: 200, body: { status: 'ok' } });
        if (which === 'postgres') {
          // A new connection is refused: what happened is said, not where (this answers anyone
          // who can reach the port).
          const again = await status('/health/ready');
          expect((again.body.info as Record<string, { message?: string }>).postgres.message).toBe(
            'connect ECONNREFUSED <address>',
          );
        }
      } finally {
        await proxy.restore();
      }
      let code = 0;
      for (let i = 0; i < 50 && code !== 200; i++) {
        code = (await status('/health/ready')).code;
        if (code !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(code).toBe(200);
    },
    30_000,
  );
});
