import { readFileSync } from 'node:fs';
import { slotsGivenUp } from '../apps/worker/src/forfeit-log';
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
  /** pg_stat_statements of the database by query id; null when the extension is not loaded. */
  statements: Map<string, StatementTotals> | null;
}

/** One statement's totals in pg_stat_statements. */
interface StatementTotals {
  query: string;
  calls: number;
  execMs: number;
  planMs: number;
  rows: number;
}

/** One statement's work per account over a run (pg_stat_statements). */
export interface StatementPerAccount {
  /** The statement's first characters, whitespace collapsed. */
  statement: string;
  calls: number;
  execMs: number;
  /** Planning time: counted only with `pg_stat_statements.track_planning = on`, else 0. */
  planMs: number;
  rows: number;
}

/**
 * The database's statements from `pg_stat_statements`, or null when the extension is not
 * created in it or not in `shared_preload_libraries` (bench/README.md: a private cluster).
 */
async function readStatements(ds: DataSource): Promise<Map<string, StatementTotals> | null> {
  try {
    const [ext]: { schema: string }[] = await ds.query(
      `SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'pg_stat_statements'`,
    );
    if (!ext) return null;
    const rows: {
      id: string;
      query: string;
      calls: string;
      exec: number;
      plan: number;
      rows: string;
    }[] = await ds.query(
      `SELECT userid::text || '/' || queryid::text || '/' || toplevel AS id, query, calls,
              total_exec_time AS exec,
              total_plan_time AS plan, rows
         FROM ${ext.schema}.pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          query: r.query,
          calls: Number(r.calls),
          execMs: Number(r.exec),
          planMs: Number(r.plan),
          rows: Number(r.rows),
        },
      ]),
    );
  } catch (e) {
    // 55000: created in the database but not in shared_preload_libraries: as if absent.
    if ((e as { code?: string }).code !== '55000')
      console.error(`bench: pg_stat_statements could not be read: ${(e as Error).message}`);
    return null;
  }
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
    // pg_stat_database lags: a backend reports at most once a second, an idle one after 10 s or
    // when it exits. The callers read it after their work's connections reported or closed.
    const [row] = await ds.query(
      `SELECT xact_commit + xact_rollback AS xacts, tup_returned AS returned, tup_fetched AS fetched,
              tup_inserted AS inserted, tup_updated AS updated, tup_deleted AS deleted
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    const postgres = Object.fromEntries(
      Object.entries(row as Record<string, string>).map(([k, v]) => [k, Number(v)]),
    ) as WorkCounters['postgres'];
    return { redisCalls, postgres, statements: await readStatements(ds) };
  } catch {
    return null;
  }
}

/** `after − before`, per account, rounded (commands with no calls left out). */
export function countersPerAccount(
  before: WorkCounters | null,
  after: WorkCounters | null,
  accounts: number,
): {
  redis: Record<string, number>;
  redisTotal: number;
  postgres: Record<string, number>;
  statements: StatementPerAccount[] | null;
} | null {
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
  return {
    redis: sorted,
    redisTotal: per(total),
    postgres,
    statements: statementsPerAccount(before.statements, after.statements, accounts),
  };
}

/** The statements that took the most time over the run (execution + planning), per account. */
function statementsPerAccount(
  before: Map<string, StatementTotals> | null,
  after: Map<string, StatementTotals> | null,
  accounts: number,
  top = 6,
): StatementPerAccount[] | null {
  if (!before || !after) return null;
  const per = (v: number) => Math.round((v / accounts) * 10_000) / 10_000;
  const zero = { calls: 0, execMs: 0, planMs: 0, rows: 0 };
  return [...after]
    .map(([id, a]) => {
      const b = before.get(id) ?? zero;
      return {
        query: a.query,
        calls: a.calls - b.calls,
        execMs: a.execMs - b.execMs,
        planMs: a.planMs - b.planMs,
        rows: a.rows - b.rows,
      };
    })
    .filter((d) => d.calls > 0)
    .sort((x, y) => y.execMs + y.planMs - (x.execMs + x.planMs))
    .slice(0, top)
    .map((d) => ({
      statement: d.query.replace(/\s+/g, ' ').trim().slice(0, 90),
      calls: per(d.calls),
      execMs: per(d.execMs),
      planMs: per(d.planMs),
      rows: per(d.rows),
    }));
}

/** What the workers' log files tell: lines per account and pacing slots given up. */
export interface WorkerLogFigures {
  linesPerAccount: number;
  /** Per provider, from the workers' `pacing slots given up` lines. */
  slotsGivenUp: Record<string, number> | null;
}

/**
 * Reads each worker log once; null when one cannot be read. `slotsGivenUp` alone is null when
 * a `pacing slots given up` line is not JSON (a line cut short): the line count stands.
 */
export function readWorkerLogs(files: string[], accounts: number): WorkerLogFigures | null {
  let lines: string[];
  try {
    lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
  } catch {
    return null;
  }
  let slots: Record<string, number> | null;
  try {
    slots = slotsGivenUp(lines);
  } catch {
    slots = null;
  }
  return {
    linesPerAccount: Math.round((lines.length / accounts) * 1000) / 1000,
    slotsGivenUp: slots,
  };
}
