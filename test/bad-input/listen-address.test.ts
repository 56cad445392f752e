import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/infra';
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
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    await buildDist(repoRoot);
    await createTestDatabase(config).then((db) => db.dataSource.destroy());
    taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    port = (taken.address() as { port: number }).port;
  }, 300_000);
  afterAll(async () => {
    await new Promise((done) => taken.close(done));
    const ds = new DataSource(dataSourceOptions(config));
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${config.DATABASE_SCHEMA}" CASCADE`);
    await ds.destroy();
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

  it('producer: exits 1 naming HOST, PORT and EADDRINUSE', async () => {
    const ran = await run(process.execPath, [join(repoRoot, 'dist/apps/producer/src/main.js')], {
      cwd: repoRoot,
      env: env({ HOST: '127.0.0.1', PORT: String(port) }),
      timeoutMs: 60_000,
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      `producer failed to start: cannot listen on HOST=127.0.0.1 PORT=${port}: EADDRINUSE\n`,
    );
  }, 90_000);

  it('worker: exits 1 naming WORKER_METRICS_HOST, WORKER_METRICS_PORT and EADDRINUSE', async () => {
    const ran = await run(process.execPath, [join(repoRoot, 'dist/apps/worker/src/main.js')], {
      cwd: repoRoot,
      env: env({ WORKER_METRICS_HOST: '127.0.0.1', WORKER_METRICS_PORT: String(port) }),
      timeoutMs: 60_000,
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      `worker failed to start: cannot listen on WORKER_METRICS_HOST=127.0.0.1 WORKER_METRICS_PORT=${port}: EADDRINUSE\n`,
    );
    expect(`${ran.stdout}${ran.stderr}`).not.toMatch(/\n\s+at /);
  }, 90_000);
});
