import { join } from 'node:path';
import IORedis from 'ioredis';
import { loadConfig } from '@app/config';
import {
  assertRedisDatabaseExists,
  createRedisConnection,
  guardDatabaseSelection,
} from '@app/infra';
import { freePort, PrivateRedis } from '../chaos/support/services';
import { repoRoot } from '../deploy/compose-file';
import { RedisServers } from '../support/redis-servers';
import { bareEnv, buildDist, run, startNode } from '../deploy/run-node';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

const settings = (url: string) => loadConfig({ NODE_ENV: 'development', REDIS_URL: url });

/**
 * A REDIS_URL whose database number the server does not have (16 databases by default: /20).
 * ioredis's SELECT fails, and it then goes on on database 0, where another application's keys
 * may be: the apps refuse to start, and a connection that meets it later is closed. Against a
 * private redis-server (never the machine's).
 */
describe('REDIS_URL selecting a database the server does not have', () => {
  let redis: PrivateRedis;
  const withPassword = new RedisServers();
  beforeAll(async () => {
    redis = await PrivateRedis.start(false);
  });
  afterAll(async () => {
    await redis.stop();
    await withPassword.stop();
  });

  const keysOnDatabase0 = async () => {
    const r = new IORedis(redis.url);
    try {
      return await r.keys('*');
    } finally {
      r.disconnect();
    }
  };

  it('start-up check: refused, naming REDIS_URL, the number and the server, never the password', async () => {
    const port = await withPassword.server(['--requirepass', 'not-shown-pw'], 'not-shown-pw');
    const url = `redis://:not-shown-pw@127.0.0.1:${port}/20`;
    const refused = await assertRedisDatabaseExists(settings(url)).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(refused).toBe(
      `REDIS_URL selects database 20, which the Redis at 127.0.0.1:${port} does not have ` +
        '(Redis answered "DB index is out of range"; it has databases 0 to its `databases` ' +
        'setting − 1, 0-15 by default)',
    );
    expect(refused).not.toContain('not-shown-pw');
  });

  it('start-up check: a database the server has passes, and so does a Redis that is down (handled as an outage)', async () => {
    await expect(assertRedisDatabaseExists(settings(`${redis.url}/15`))).resolves.toBeUndefined();
    const nobody = `redis://127.0.0.1:${await freePort()}/20`;
    await expect(assertRedisDatabaseExists(settings(nobody), 1_000)).resolves.toBeUndefined();
  });

  it('a connection made while Redis was down is closed when Redis comes up refusing the database: nothing lands on database 0', async () => {
    await redis.down();
    const url = `${redis.url}/20`;
    const connection = createRedisConnection(settings(url));
    const refusals: string[] = [];
    guardDatabaseSelection(connection, url, (m) => refusals.push(m));
    // Queued while Redis is down, as an app's first commands are.
    const written = connection.set('snap-recon-guard-test', 'x').then(
      () => 'written',
      (e: Error) => `refused: ${e.message}`,
    );
    await redis.up();
    await expect(written).resolves.toMatch(/^refused: /);
    expect(refusals).toEqual([expect.stringContaining('REDIS_URL selects database 20')]);
    expect(connection.status).toBe('end');
    expect(await keysOnDatabase0()).toEqual([]);
  });

  it('the worker from dist/ exits 1 with one line naming REDIS_URL and the number', async () => {
    await buildDist(repoRoot);
    const ran = await run(process.execPath, [join(repoRoot, 'dist/apps/worker/src/main.js')], {
      cwd: repoRoot,
      env: bareEnv({
        NODE_ENV: 'development',
        // Nothing listens here: the worker must stop before it needs Postgres.
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
        REDIS_URL: `${redis.url}/20`,
      }),
      timeoutMs: 30_000,
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(
      /^worker failed to start: REDIS_URL selects database 20, which the Redis at 127\.0\.0\.1:\d+ does not have/,
    );
    expect(await keysOnDatabase0()).toEqual([]);
  }, 300_000);

  it('a producer started while Redis was down (it listens) stops, exit 1 with the same line, when Redis comes up refusing the database', async () => {
    await buildDist(repoRoot);
    const config = testConfig();
    const db = await createTestDatabase(config);
    await redis.down();
    const producer = startNode(join(repoRoot, 'dist/apps/producer/src/main.js'), repoRoot, {
      ...bareEnv({
        NODE_ENV: 'development',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: config.DATABASE_URL,
        DATABASE_SCHEMA: config.DATABASE_SCHEMA,
        REDIS_URL: `${redis.url}/20`,
      }),
    });
    try {
      // Listening with Redis down (its start-up work waits for Redis).
      for (let i = 0; i < 400 && !producer.output().includes('producer listening'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(producer.output()).toContain('producer listening');
      await redis.up();
      const code = await Promise.race([
        producer.exited,
        new Promise((r) => setTimeout(() => r('still running'), 15_000)),
      ]);
      expect(code).toBe(1);
      expect(producer.output()).toContain('REDIS_URL selects database 20');
      expect(await keysOnDatabase0()).toEqual([]);
    } finally {
      producer.kill();
      await db.drop();
    }
  }, 300_000);
});
