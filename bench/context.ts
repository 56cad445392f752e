import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '@app/config';
import { createRedisConnection, dataSourceOptions, deletePrefixKeys } from '@app/infra';
import type { BenchOptions } from './options';

/** What every section shares: where things are, services, names, and the clean-up list. */
export class BenchContext {
  /** Unique per benchmark run: schema names, queue prefixes and Postgres application_name. */
  readonly id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  readonly appName = `snap-recon-bench-${this.id}`;
  readonly repoRoot = resolve(__dirname, '..', '..');
  /** `dist/`, where the apps are started from. */
  readonly dist = resolve(__dirname, '..');
  readonly workDir = join(tmpdir(), `snap-recon-bench-${this.id}`);
  readonly databaseUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
  readonly redisUrl =
    process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  private readonly cleanups: { what: string; run: () => Promise<unknown> }[] = [];
  private readonly sources: DataSource[] = [];

  constructor(readonly options: BenchOptions) {
    mkdirSync(this.workDir, { recursive: true, mode: 0o700 });
    // Every Postgres connection of the benchmark and its children carries this name, so
    // their backends can be told apart from other users of the server for CPU figures.
    process.env.PGAPPNAME = this.appName;
  }

  say(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  /** The app config for a schema and queue prefix of this benchmark. */
  config(schema: string, queuePrefix: string, extra: Record<string, string> = {}): AppConfig {
    return loadConfig({
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: this.databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: this.redisUrl,
      ...redisModeEnv(),
      QUEUE_PREFIX: queuePrefix,
      ...extra,
    });
  }

  /** The settings of the bench's Redis (any mode) under a queue prefix. */
  redisConfig(queuePrefix: string): AppConfig {
    return this.config('public', queuePrefix);
  }

  /** A connected data source on the schema (closed at clean-up). */
  async dataSource(schema: string, poolSize = 4): Promise<DataSource> {
    const ds = new DataSource(
      dataSourceOptions({
        DATABASE_URL: this.databaseUrl,
        DATABASE_SCHEMA: schema,
        DATABASE_POOL_SIZE: poolSize,
      }),
    );
    await ds.initialize();
    this.sources.push(ds);
    return ds;
  }

  /** A connection through the apps' factory: one node, Sentinel or Cluster like the workers. */
  redis(): Redis | Cluster {
    return createRedisConnection(this.redisConfig('bench'), 'snap-recon-bench');
  }

  /** Whether Redis answers a PING within 3 s, in any mode. */
  async redisAnswers(): Promise<boolean> {
    const redis = this.redis();
    redis.on('error', () => undefined);
    try {
      const pong = await Promise.race([
        redis.ping(),
        new Promise<null>((r) => setTimeout(() => r(null), 3_000).unref()),
      ]);
      return pong === 'PONG';
    } catch {
      return false;
    } finally {
      redis.disconnect();
    }
  }

  /** Runs at clean-up, last registered first. */
  onCleanup(what: string, run: () => Promise<unknown>): void {
    this.cleanups.push({ what, run });
  }

  /** Drops the schema at clean-up. */
  dropSchemaAtCleanup(schema: string): void {
    this.onCleanup(`drop schema ${schema}`, async () => {
      const ds = new DataSource({ type: 'postgres', url: this.databaseUrl });
      await ds.initialize();
      try {
        await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await ds.destroy();
      }
    });
  }

  /** Deletes every Redis key under the prefix at clean-up. */
  deleteKeysAtCleanup(prefix: string): void {
    this.onCleanup(`delete Redis keys of ${prefix}`, () => deleteKeys(this, prefix));
  }

  /** Runs every clean-up (each once, failures reported but not fatal). */
  async cleanup(keepWorkDir: boolean): Promise<void> {
    while (this.cleanups.length > 0) {
      const { what, run } = this.cleanups.pop()!;
      try {
        await run();
      } catch (e) {
        process.stderr.write(`clean-up failed (${what}): ${(e as Error).message}\n`);
      }
    }
    for (const ds of this.sources.splice(0))
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    if (!keepWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }
}

/**
 * The Redis mode and credentials of the environment (`REDIS_CLUSTER_NODES`, `REDIS_SENTINELS`,
 * `REDIS_PASSWORD`...), so the bench runs against the same kind of Redis as the apps would.
 */
function redisModeEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[0].startsWith('REDIS_') && e[0] !== 'REDIS_URL' && e[1] !== undefined,
    ),
  );
}

/** Deletes every key of the queue prefix, on every master (the apps' clean-up). */
export async function deleteKeys(ctx: BenchContext, prefix: string): Promise<void> {
  await deletePrefixKeys(ctx.redisConfig(prefix));
}
