import { join } from 'node:path';
import { repoRoot } from './deploy/compose-file';
import { bareEnv, buildDist, startNode } from './deploy/run-node';
import { freePort } from './chaos/support/services';
import { deleteRedisKeys } from './support/redis-cleanup';
import { startTcpProxy } from './support/tcp-proxy';
import { createTestDatabase } from './support/test-database';
import { testConfig } from './support/test-config';

const SHUTDOWN_TIMEOUT_MS = 3_000;

/**
 * The worker and the producer from dist/ (as the image runs them), Redis reached through a
 * proxy this test cuts: SIGTERM with Redis away ends the process once SHUTDOWN_TIMEOUT_MS has
 * passed and Redis does not answer, code 1, with a line that says why (it used to wait on Redis for good); with Redis up it
 * still ends gracefully.
 */
describe('SIGTERM with Redis away', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    await buildDist(repoRoot);
    db = await createTestDatabase(config);
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  async function start(app: 'worker' | 'producer', redisUrl: string) {
    const child = startNode(join(repoRoot, `dist/apps/${app}/src/main.js`), repoRoot, {
      ...bareEnv(),
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_SCHEMA: config.DATABASE_SCHEMA,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      WORKER_SWEEP_INTERVAL_MS: '0',
      WORKER_METRICS_PORT: '0',
      SCHEDULE_CHECK_INTERVAL_MS: '0',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    const ready = app === 'worker' ? 'worker started' : 'producer listening';
    for (let i = 0; i < 300 && !child.output().includes(ready); i++) {
      if (child.output().includes('failed to start')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!child.output().includes(ready)) throw new Error(`${app} did not start: ${child.output()}`);
    return child;
  }

  /** SIGTERM, then the exit code and how long it took; SIGKILL (code null) if it hangs on. */
  const sigterm = async (child: Awaited<ReturnType<typeof start>>) => {
    const started = Date.now();
    const stopped = await Promise.race([
      child.stop().then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), SHUTDOWN_TIMEOUT_MS + 15_000)),
    ]);
    if (!stopped) child.kill();
    return { code: await child.exited, ms: Date.now() - started };
  };

  it.each(['worker', 'producer'] as const)(
    '%s: exits 1 after SHUTDOWN_TIMEOUT_MS, saying why, when Redis does not answer',
    async (app) => {
      const redis = await startTcpProxy(
        '127.0.0.1',
        Number(new URL(config.REDIS_URL).port || 6379),
      );
      try {
        const child = await start(app, redis.via(config.REDIS_URL));
        await redis.cut();
        await new Promise((r) => setTimeout(r, 500));
        const { code, ms } = await sigterm(child);
        expect(code).toBe(1);
        // The deadline, then the 2 s question to Postgres and Redis, then the exit.
        expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2_000 + 4_000);
        expect(child.output()).toContain('shutdown stuck: Postgres or Redis does not answer');
      } finally {
        await redis.close();
      }
    },
    60_000,
  );

  it.each(['worker', 'producer'] as const)(
    '%s: with Redis up, SIGTERM still ends gracefully (by the signal Nest re-raises, no forced exit)',
    async (app) => {
      const child = await start(app, config.REDIS_URL);
      const { code } = await sigterm(child);
      expect({ code, signal: child.signal() }).toEqual({ code: null, signal: 'SIGTERM' });
      expect(child.output()).not.toContain('shutdown stuck: Postgres or Redis does not answer');
    },
    60_000,
  );
});
