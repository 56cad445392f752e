import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '@app/config';
import { dataSourceOptions } from '@app/ledger';
import { ALL_ENTITIES } from '@app/reconciliation';
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
      QUEUE_PREFIX: queuePrefix,
      ...extra,
    });
  }

  /** A connected data source on the schema (closed at clean-up). */
  async dataSource(schema: string, poolSize = 4): Promise<DataSource> {
    const ds = new DataSource(
      dataSourceOptions(
        { DATABASE_URL: this.databaseUrl, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: poolSize },
        ALL_ENTITIES,
      ),
    );
    await ds.initialize();
    this.sources.push(ds);
    return ds;
  }

  redis(): IORedis {
    return new IORedis(this.redisUrl, { maxRetriesPerRequest: null });
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
    this.onCleanup(`delete Redis keys ${prefix}:*`, () => deleteKeys(this.redisUrl, `${prefix}:*`));
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

/** Deletes the keys matching `pattern` (SCAN, never KEYS). */
export async function deleteKeys(url: string, pattern: string): Promise<void> {
  const redis = new IORedis(url, { maxRetriesPerRequest: null });
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 1000 })) {
      if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}
