import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { masterNodes } from '@app/infra';

/**
 * Work counters of a run, for the per-account breakdown: Redis commands by name (INFO
 * commandstats, every master) and the database's transactions and rows (pg_stat_database).
 * Both are server-wide: they are exact only when nobody else uses that Redis and database
 * (bench/README.md: run with a private redis-server and database for a clean breakdown).
 */
export interface WorkCounters {
  redisCalls: Record<string, number>;
  postgres: Record<'xacts' | 'returned' | 'fetched' | 'inserted' | 'updated' | 'deleted', number>;
}

export async function readCounters(
  redis: Redis | Cluster,
  ds: DataSource,
): Promise<WorkCounters | null> {
  try {
    const redisCalls: Record<string, number> = {};
    for (const node of await masterNodes(redis)) {
      const info = await node.info('commandstats');
      for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
        redisCalls[m[1]] = (redisCalls[m[1]] ?? 0) + Number(m[2]);
    }
    // pg_stat_database lags by up to a stats interval; force the backend's numbers out first.
    const [row] = await ds.query(
      `SELECT xact_commit + xact_rollback AS xacts, tup_returned AS returned, tup_fetched AS fetched,
              tup_inserted AS inserted, tup_updated AS updated, tup_deleted AS deleted
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    const postgres = Object.fromEntries(
      Object.entries(row as Record<string, string>).map(([k, v]) => [k, Number(v)]),
    ) as WorkCounters['postgres'];
    return { redisCalls, postgres };
  } catch {
    return null;
  }
}

/** `after − before`, per account, rounded (commands with no calls left out). */
export function countersPerAccount(
  before: WorkCounters | null,
  after: WorkCounters | null,
  accounts: number,
): { redis: Record<string, number>; redisTotal: number; postgres: Record<string, number> } | null {
  if (!before || !after || accounts <= 0) return null;
  const per = (v: number) => Math.round((v / accounts) * 1000) / 1000;
  const redis: Record<string, number> = {};
  let total = 0;
  for (const [cmd, n] of Object.entries(after.redisCalls)) {
    const d = n - (before.redisCalls[cmd] ?? 0);
    if (d <= 0 || cmd === 'info') continue;
    total += d;
    redis[cmd] = per(d);
  }
  const postgres = Object.fromEntries(
    Object.entries(after.postgres).map(([k, v]) => [
      k,
      per(v - before.postgres[k as keyof WorkCounters['postgres']]),
    ]),
  );
  const sorted = Object.fromEntries(Object.entries(redis).sort((a, b) => b[1] - a[1]));
  return { redis: sorted, redisTotal: per(total), postgres };
}

/** Lines written to the log files, per account. */
export function logLinesPerAccount(files: string[], accounts: number): number | null {
  try {
    let lines = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    }
    return Math.round((lines / accounts) * 1000) / 1000;
  } catch {
    return null;
  }
}

/**
 * Pacing slots the workers gave up (reached too late by a busy process) per provider, summed
 * from their `pacing slots given up` log lines; null when a log cannot be read.
 */
export function pacingSlotsGivenUp(files: string[]): Record<string, number> | null {
  try {
    const total: Record<string, number> = {};
    for (const f of files) {
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        if (!line.includes('pacing slots given up')) continue;
        const { forfeited } = JSON.parse(line) as { forfeited?: Record<string, number> };
        for (const [provider, n] of Object.entries(forfeited ?? {}))
          total[provider] = (total[provider] ?? 0) + n;
      }
    }
    return total;
  } catch {
    return null;
  }
}
