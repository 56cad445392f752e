import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../deploy/compose-file';
import { bareEnv, buildDist, run } from '../deploy/run-node';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

/**
 * The producer and the worker from dist/ (as the image runs them) told to listen on a port
 * another process holds: each exits 1 with one line naming its settings and EADDRINUSE, no
 * stack trace (the worker's metrics server used to crash the process with an unhandled
 * 'error' event; the producer's message named no setting).
 */
describe('start-up with the listen address taken', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    await buildDist(repoRoot);
    db = await createTestDatabase(config);
    taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    port = (taken.address() as { port: number }).port;
  }, 300_000);
  afterAll(async () => {
    await new Promise((done) => taken.close(done));
    await db?.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  const env = (over: Record<string, string>) =>
    bareEnv({
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_SCHEMA: config.DATABASE_SCHEMA,
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      WORKER_SWEEP_INTERVAL_MS: '0',
      ...over,
    });

  it('producer: a start-up failure that is not the address (tables missing) is told as itself, not as a listen error', async () => {
    const ran = await run(process.execPath, [join(repoRoot, 'dist/apps/producer/src/main.js')], {
      cwd: repoRoot,
      env: env({ HOST: '127.0.0.1', PORT: '0', DATABASE_SCHEMA: `${config.DATABASE_SCHEMA}_none` }),
      timeoutMs: 60_000,
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      'producer failed to start: relation "reconciliation_runs" does not exist (the database schema is not migrated: run `npm run cli -- migrate`, or `node dist/apps/cli/src/main.js migrate` where dist/ is built)\n',
    );
  }, 90_000);

  it.each([
    { app: 'producer', host: 'HOST', port: 'PORT' },
    { app: 'worker', host: 'WORKER_METRICS_HOST', port: 'WORKER_METRICS_PORT' },
  ])(
    '$app: exits 1 naming $host, $port and EADDRINUSE, with no stack trace',
    async (c) => {
      const ran = await run(process.execPath, [join(repoRoot, `dist/apps/${c.app}/src/main.js`)], {
        cwd: repoRoot,
        env: env({ [c.host]: '127.0.0.1', [c.port]: String(port) }),
        timeoutMs: 60_000,
      });
      expect(ran.code).toBe(1);
      expect(ran.stderr).toBe(
        `${c.app} failed to start: cannot listen on ${c.host}=127.0.0.1 ${c.port}=${port}: EADDRINUSE\n`,
      );
    },
    90_000,
  );
});
