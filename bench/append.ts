import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import {
  appendLedgerEntries,
  importLedgerCsv,
  NewLedgerEntry,
  validateLedgerBatch,
} from '@app/ledger';
import { runMigrations } from '@app/infra';
import type { BenchContext } from './context';
import { msSince, round } from './stats';
import { seeded } from '../apps/cli/src/demo/seeded-random';

export interface AppendFigures {
  entries: number;
  batchSize: number;
  /** appendLedgerEntries, entries per second, entries in time order. */
  inOrderPerSecond: number | null;
  /** Same with 1% of entries back-dated by up to a day (tail recomputes). */
  backdatedPerSecond: number | null;
  /** Re-sending everything: all duplicates. */
  duplicatesPerSecond: number | null;
  /** validateLedgerBatch of a 10,000-entry API body, ms. */
  validate10kMs: number | null;
  /** importLedgerCsv rows per second (streamed, 5,000-row batches), and its peak heap. */
  csvRows: number;
  csvRowsPerSecond: number | null;
  csvPeakHeapMb: number | null;
  /** Entries whose balance_after is not the running sum afterwards (must be 0). */
  wrongBalances: number;
}

const ACCOUNTS = 1_000;
const BATCH = 10_000;

/**
 * Ledger ingestion throughput (moved here from the skipped jest test
 * `test/ledger/append-throughput.test.ts`): appendLedgerEntries in order, with back-dated
 * entries, all duplicates; API batch validation; streaming CSV import.
 */
export async function benchAppend(ctx: BenchContext): Promise<AppendFigures> {
  const total = ctx.options.appendEntries;
  const schema = `bench_append_${ctx.id}`;
  ctx.dropSchemaAtCleanup(schema);
  await runMigrations({
    DATABASE_URL: ctx.databaseUrl,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_SIZE: 1,
  });
  const ds = await ctx.dataSource(schema, 2);
  await ds.query(`INSERT INTO merchants (id, name) VALUES ('m1', 'bench')`);
  const rows: { id: string }[] = await ds.query(
    `INSERT INTO provider_accounts (merchant_id, provider, account_no)
     SELECT 'm1', 'netzme', 'b' || g FROM generate_series(1, $1::int) g RETURNING id`,
    [ACCOUNTS],
  );
  const accountIds = rows.map((r) => String(r.id));

  const append = async (
    label: string,
    makeTime: (i: number, random: () => number) => number,
    expectDuplicates = false,
  ) => {
    const random = seeded(1);
    let elapsed = 0;
    let stored = 0;
    for (let start = 0; start < total; start += BATCH) {
      const batch: NewLedgerEntry[] = [];
      for (let i = start; i < Math.min(total, start + BATCH); i++) {
        batch.push({
          accountId: accountIds[Math.floor(random() * ACCOUNTS)],
          entryRef: `${label}-${i}`,
          amount: BigInt(Math.floor(random() * 2_000_000) - 1_000_000),
          postedAt: new Date(makeTime(i, random)),
        });
      }
      const t0 = process.hrtime.bigint();
      const result = await appendLedgerEntries(ds, batch);
      elapsed += msSince(t0) / 1000;
      stored += expectDuplicates ? result.duplicates : result.inserted;
    }
    if (stored !== total) throw new Error(`append ${label}: ${stored} of ${total} entries`);
    return round(total / elapsed, 0);
  };

  const inOrderBase = Date.parse('2026-01-01T00:00:00Z');
  const inOrderPerSecond = await append('in-order', (i) => inOrderBase + i * 1000);
  const backBase = Date.parse('2026-03-01T00:00:00Z');
  const backdatedPerSecond = await append(
    'backdated',
    (i, random) => backBase + i * 1000 - (random() < 0.01 ? Math.floor(random() * 86_400_000) : 0),
  );
  const duplicatesPerSecond = await append('in-order', (i) => inOrderBase + i * 1000, true);

  const body = {
    entries: Array.from({ length: 10_000 }, (_, i) => ({
      provider: 'netzme',
      accountNo: `b${i % 100}`,
      entryRef: `v${i}`,
      amount: '1234.56',
      postedAt: '2026-11-21T10:00:00+07:00',
    })),
  };
  let t = process.hrtime.bigint();
  if (!validateLedgerBatch(body).ok)
    throw new Error('validateLedgerBatch refused the benchmark body');
  const validate10kMs = round(msSince(t), 1);

  const csvRows = total * 2;
  const csvBase = Date.parse('2026-06-01T00:00:00Z');
  function* file() {
    yield 'provider,account_no,entry_ref,amount,posted_at\n';
    for (let i = 0; i < csvRows; i++) {
      const at = new Date(csvBase + i * 1000).toISOString();
      const amount = `${(i % 5000) - 2500}.${String(i % 100).padStart(2, '0')}`;
      yield `netzme,b${((i * 7919) % ACCOUNTS) + 1},csv-${i},${amount},${at}\n`;
    }
  }
  let peakHeap = 0;
  const timer = setInterval(
    () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)),
    50,
  );
  t = process.hrtime.bigint();
  const summary = await importLedgerCsv(ds, Readable.from(file()));
  const csvSeconds = msSince(t) / 1000;
  clearInterval(timer);
  if (summary.imported !== csvRows)
    throw new Error(`CSV import stored ${summary.imported} of ${csvRows} rows`);

  return {
    entries: total,
    batchSize: BATCH,
    inOrderPerSecond,
    backdatedPerSecond,
    duplicatesPerSecond,
    validate10kMs,
    csvRows,
    csvRowsPerSecond: round(csvRows / csvSeconds, 0),
    csvPeakHeapMb: round(peakHeap / 2 ** 20, 0),
    wrongBalances: await wrongBalances(ds),
  };
}

/** Entries whose balance_after differs from the running sum in (posted_at, id) order. */
async function wrongBalances(ds: DataSource): Promise<number> {
  const [{ n }] = await ds.query(
    `SELECT count(*)::int AS n FROM (
       SELECT balance_after, sum(amount) OVER (PARTITION BY account_id ORDER BY posted_at, id) AS running
         FROM ledger_entries) e
      WHERE balance_after <> running`,
  );
  return n;
}
