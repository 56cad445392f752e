import type { DataSource } from 'typeorm';
import { balanceAsOf, ledgerSnapshot } from '@app/ledger';
import { runMigrations } from '@app/infra';
import type { BenchContext } from './context';
import { median, msSince, quantile, quotient, round } from './stats';

/** The cached ledger: kept between benchmark runs because it takes minutes to build. */
export const LEDGER_CACHE_SCHEMA = 'bench_ledger';
/** Bump when the layout below changes: a cache of another version is rebuilt. */
const LAYOUT_VERSION = 'bench-ledger-v1';
/** History of every account spans this long, whatever its length. */
const SPAN_MS = 365 * 24 * 3600 * 1000;
const BASE = '2025-01-01T00:00:00Z';
/** The worker's default in-flight window. */
const WINDOW_MS = 300_000;

interface Layout {
  /** Measured history sizes: `accounts` accounts of `size` entries each. */
  measured: { size: number; accounts: number }[];
  /** Filler accounts that make the table big. */
  filler: { size: number; accounts: number };
}

/** 10,000,000 entries: 300 × 100, 30 × 10,000, 3 × 1,000,000 and 6,670 × 1,000 filler. */
const FULL: Layout = {
  measured: [
    { size: 100, accounts: 300 },
    { size: 10_000, accounts: 30 },
    { size: 1_000_000, accounts: 3 },
  ],
  filler: { size: 1_000, accounts: 6_670 },
};
/** Smoke mode without a cache: 133,000 entries, built in seconds and dropped. */
const SMALL: Layout = {
  measured: [
    { size: 100, accounts: 30 },
    { size: 10_000, accounts: 3 },
    { size: 100_000, accounts: 1 },
  ],
  filler: { size: 0, accounts: 0 },
};

const totalRows = (l: Layout) =>
  l.measured.reduce((n, c) => n + c.size * c.accounts, 0) + l.filler.size * l.filler.accounts;

export interface LedgerFigures {
  schema: string;
  cached: boolean;
  tableRows: number;
  buildSeconds: number | null;
  samplesPerSize: number;
  passes: number;
  /** ledgerSnapshot (what the worker calls) p50/p99 per history size, medians of the passes. */
  snapshotP50Ms: Record<string, number | null>;
  snapshotP99Ms: Record<string, number | null>;
  /** balanceAsOf p50/p99 per history size. */
  balanceAsOfP50Ms: Record<string, number | null>;
  balanceAsOfP99Ms: Record<string, number | null>;
  /** p99 of the largest history over p99 of the smallest (ledgerSnapshot). */
  ratio: number | null;
  largest: number;
  smallest: number;
}

/**
 * Section 3: the ledger balance as of T for accounts with 100, 10,000 and 1,000,000 entries in
 * a table of 10,000,000, through the real `ledgerSnapshot` and `balanceAsOf`.
 */
export async function benchLedgerAsOf(ctx: BenchContext): Promise<LedgerFigures> {
  const { options } = ctx;
  let schema = LEDGER_CACHE_SCHEMA;
  let layout = FULL;
  let ds = await ctx.dataSource(schema, 2);
  let cached = !options.rebuildLedger && (await cacheIsValid(ds));
  let buildSeconds: number | null = null;
  if (!cached && options.smoke) {
    // A smoke run does not spend minutes on the big table: a small one of its own.
    schema = `bench_ledger_small_${ctx.id}`;
    layout = SMALL;
    ctx.dropSchemaAtCleanup(schema);
    ds = await ctx.dataSource(schema, 2);
    ctx.say(
      `ledger: no cached ${LEDGER_CACHE_SCHEMA} (smoke mode): building a small ${totalRows(SMALL)}-entry ledger`,
    );
    buildSeconds = await build(ctx, ds, schema, SMALL);
  } else if (!cached) {
    ctx.say(
      `ledger: building ${LEDGER_CACHE_SCHEMA} (${totalRows(FULL).toLocaleString('en')} entries, once; kept for later runs)`,
    );
    buildSeconds = await build(ctx, ds, schema, FULL);
  } else {
    // Apply migrations added since the cache was built (a no-op usually).
    await runMigrations({
      DATABASE_URL: ctx.databaseUrl,
      DATABASE_SCHEMA: schema,
      DATABASE_POOL_SIZE: 1,
    });
    ctx.say(
      `ledger: using the cached ${LEDGER_CACHE_SCHEMA} (${totalRows(FULL).toLocaleString('en')} entries)`,
    );
  }
  cached = cached && schema === LEDGER_CACHE_SCHEMA;

  const classes = await accountsBySize(ds, layout);
  const samples = options.ledgerSamples;
  const warmup = Math.max(20, Math.floor(samples / 10));
  const passes: Record<'snapshot' | 'asOf', Map<number, { p50: number; p99: number }[]>> = {
    snapshot: new Map(),
    asOf: new Map(),
  };
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const base = Date.parse(BASE);
  for (let pass = 0; pass < options.repeat; pass++) {
    const times = { snapshot: new Map<number, number[]>(), asOf: new Map<number, number[]>() };
    // Sizes interleaved, so a disturbance of the machine hits each size alike.
    for (let i = 0; i < warmup + samples; i++) {
      for (const { size, ids } of classes) {
        const id = ids[Math.floor(random() * ids.length)];
        const asOf = new Date(base + Math.floor(random() * SPAN_MS));
        let t = process.hrtime.bigint();
        await ledgerSnapshot(ds, id, asOf, WINDOW_MS);
        const snap = msSince(t);
        t = process.hrtime.bigint();
        await balanceAsOf(ds, id, asOf);
        const asOfMs = msSince(t);
        if (i < warmup) continue;
        push(times.snapshot, size, snap);
        push(times.asOf, size, asOfMs);
      }
    }
    for (const kind of ['snapshot', 'asOf'] as const) {
      for (const [size, list] of times[kind]) {
        push(passes[kind], size, { p50: quantile(list, 0.5), p99: quantile(list, 0.99) });
      }
    }
  }
  const figure = (kind: 'snapshot' | 'asOf', q: 'p50' | 'p99') =>
    Object.fromEntries(
      classes.map(({ size }) => [
        String(size),
        round(median(passes[kind].get(size)!.map((p) => p[q])), 3),
      ]),
    );
  const sizes = classes.map((c) => c.size);
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  const snapshotP99Ms = figure('snapshot', 'p99');
  const lo = snapshotP99Ms[String(smallest)];
  const hi = snapshotP99Ms[String(largest)];
  return {
    schema,
    cached,
    tableRows: totalRows(layout),
    buildSeconds: round(buildSeconds, 1),
    samplesPerSize: samples,
    passes: options.repeat,
    snapshotP50Ms: figure('snapshot', 'p50'),
    snapshotP99Ms,
    balanceAsOfP50Ms: figure('asOf', 'p50'),
    balanceAsOfP99Ms: figure('asOf', 'p99'),
    ratio: quotient(hi, lo),
    largest,
    smallest,
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function cacheIsValid(ds: DataSource): Promise<boolean> {
  try {
    const rows: { version: string; rows: string }[] = await ds.query(
      `SELECT version, rows FROM ${LEDGER_CACHE_SCHEMA}.bench_meta`,
    );
    return (
      rows.length === 1 &&
      rows[0].version === LAYOUT_VERSION &&
      Number(rows[0].rows) === totalRows(FULL)
    );
  } catch {
    return false;
  }
}

async function accountsBySize(
  ds: DataSource,
  layout: Layout,
): Promise<{ size: number; ids: string[] }[]> {
  const out: { size: number; ids: string[] }[] = [];
  for (const { size } of layout.measured) {
    const rows: { id: string }[] = await ds.query(
      `SELECT id FROM provider_accounts WHERE account_no LIKE $1 ORDER BY id`,
      [`H${size}-%`],
    );
    out.push({ size, ids: rows.map((r) => String(r.id)) });
  }
  return out;
}

/**
 * Builds the ledger with plain SQL: the real migrations, then `INSERT ... SELECT
 * generate_series`, with `balance_after` computed arithmetically (amount `(k % 10) * 100 - 300`
 * has a closed-form running sum), entries in `(posted_at, id)` order, then VACUUM ANALYZE so
 * index-only scans see all-visible pages, as on a settled production table.
 */
async function build(
  ctx: BenchContext,
  ds: DataSource,
  schema: string,
  layout: Layout,
): Promise<number> {
  const t0 = process.hrtime.bigint();
  await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await runMigrations({
    DATABASE_URL: ctx.databaseUrl,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_SIZE: 1,
  });
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    // Generated rows are consistent by construction: skip the per-row foreign-key triggers.
    await qr.query(`SET session_replication_role = replica`);
    await qr.query(`SET maintenance_work_mem = '512MB'`);
    await qr.query(`INSERT INTO merchants (id, name) VALUES ('bench-ledger', 'bench ledger')`);
    const classes = [...layout.measured, ...(layout.filler.accounts ? [layout.filler] : [])];
    for (const { size, accounts } of classes) {
      await qr.query(
        `INSERT INTO provider_accounts (merchant_id, provider, account_no)
         SELECT 'bench-ledger', 'netzme', format('H%s-%s', $1::int, lpad(g::text, 5, '0'))
           FROM generate_series(1, $2::int) g`,
        [size, accounts],
      );
    }
    let done = 0;
    const total = totalRows(layout);
    for (const { size } of classes) {
      const ids: { id: string }[] = await qr.query(
        `SELECT id FROM provider_accounts WHERE account_no LIKE $1 ORDER BY id`,
        [`H${size}-%`],
      );
      // About a million rows per statement, for progress and bounded transactions.
      const perStatement = Math.max(1, Math.floor(1_000_000 / size));
      for (let i = 0; i < ids.length; i += perStatement) {
        const chunk = ids.slice(i, i + perStatement).map((r) => String(r.id));
        await qr.query(
          `INSERT INTO ledger_entries (account_id, entry_ref, amount, posted_at, balance_after)
           SELECT a.id, lpad(k::text, 7, '0'), (k % 10) * 100 - 300,
                  $2::timestamptz + (k::bigint * $3::bigint / $4::bigint) * interval '1 millisecond',
                  100 * (45 * (k / 10) + (k % 10) * (k % 10 + 1) / 2) - 300 * k
             FROM unnest($1::bigint[]) AS a(id)
             CROSS JOIN LATERAL generate_series(1::bigint, $4::bigint) AS k
            ORDER BY a.id, k`,
          [chunk, BASE, SPAN_MS, size],
        );
        done += chunk.length * size;
        if (total >= 1_000_000) {
          ctx.say(
            `  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} entries (${(msSince(t0) / 1000).toFixed(0)} s)`,
          );
        }
      }
    }
    await qr.query(`RESET session_replication_role`);
    await qr.query(`VACUUM (ANALYZE) ledger_entries`);
    await qr.query(`VACUUM (ANALYZE) provider_accounts`);
    const seconds = msSince(t0) / 1000;
    await qr.query(
      `CREATE TABLE bench_meta (version text NOT NULL, rows bigint NOT NULL, build_seconds real, built_at timestamptz NOT NULL DEFAULT now())`,
    );
    await qr.query(`INSERT INTO bench_meta (version, rows, build_seconds) VALUES ($1, $2, $3)`, [
      layout === FULL ? LAYOUT_VERSION : 'small',
      total,
      seconds,
    ]);
    return seconds;
  } finally {
    await qr.release();
  }
}
