import { Readable } from 'node:stream';
import {
  appendLedgerEntries,
  importLedgerCsv,
  NewLedgerEntry,
  validateLedgerBatch,
} from '@app/ledger';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { seeded, wrongBalances } from './ledger-helpers';

/**
 * Throughput of appendLedgerEntries. Opt-in (it loads `LEDGER_BENCH_ENTRIES`, default 100,000,
 * entries): `LEDGER_BENCH=1 npx jest test/ledger/append-throughput --runInBand`.
 */
const bench = process.env.LEDGER_BENCH ? describe : describe.skip;
const LONG = 30 * 60_000;

bench('appendLedgerEntries throughput', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const total = Number(process.env.LEDGER_BENCH_ENTRIES ?? 100_000);
  const batchSize = 10_000;
  const accountCount = 1_000;
  let accountIds: string[];

  beforeAll(async () => {
    db = await createTestDatabase(config);
    await db.dataSource.query(`INSERT INTO merchants (id, name) VALUES ('m1', 'bench')`);
    const rows: { id: string }[] = await db.dataSource.query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no)
       SELECT 'm1', 'netzme', 'b' || g FROM generate_series(1, $1::int) g RETURNING id`,
      [accountCount],
    );
    accountIds = rows.map((r) => String(r.id));
  });
  afterAll(() => db.drop());

  const run = async (label: string, makeTime: (i: number, random: () => number) => number) => {
    const random = seeded(1);
    let elapsed = 0;
    let inserted = 0;
    for (let start = 0; start < total; start += batchSize) {
      const batch: NewLedgerEntry[] = [];
      for (let i = start; i < Math.min(total, start + batchSize); i++) {
        batch.push({
          accountId: accountIds[Math.floor(random() * accountCount)],
          entryRef: `${label}-${i}`,
          amount: BigInt(Math.floor(random() * 2_000_000) - 1_000_000),
          postedAt: new Date(makeTime(i, random)),
        });
      }
      const t0 = process.hrtime.bigint();
      const result = await appendLedgerEntries(db.dataSource, batch);
      elapsed += Number(process.hrtime.bigint() - t0) / 1e9;
      inserted += result.inserted;
    }
    const rate = Math.round(inserted / elapsed);
    console.log(`${label}: ${inserted} entries in ${elapsed.toFixed(2)} s = ${rate} entries/s`);
    expect(inserted).toBe(total);
    return rate;
  };

  it(
    'appends in time order',
    async () => {
      const base = Date.parse('2026-01-01T00:00:00Z');
      await run('in-order', (i) => base + i * 1000);
    },
    LONG,
  );

  it(
    'appends with 1% of entries back-dated by up to a day',
    async () => {
      const base = Date.parse('2026-03-01T00:00:00Z');
      await run(
        'backdated',
        (i, random) => base + i * 1000 - (random() < 0.01 ? Math.floor(random() * 86_400_000) : 0),
      );
    },
    LONG,
  );

  it('re-sends everything (all duplicates)', async () => {
    const base = Date.parse('2026-01-01T00:00:00Z');
    const random = seeded(1);
    let elapsed = 0;
    for (let start = 0; start < total; start += batchSize) {
      const batch: NewLedgerEntry[] = [];
      for (let i = start; i < Math.min(total, start + batchSize); i++) {
        batch.push({
          accountId: accountIds[Math.floor(random() * accountCount)],
          entryRef: `in-order-${i}`,
          amount: BigInt(Math.floor(random() * 2_000_000) - 1_000_000),
          postedAt: new Date(base + i * 1000),
        });
      }
      const t0 = process.hrtime.bigint();
      const result = await appendLedgerEntries(db.dataSource, batch);
      elapsed += Number(process.hrtime.bigint() - t0) / 1e9;
      expect(result.duplicates).toBe(batch.length);
    }
    console.log(
      `duplicates: ${total} entries in ${elapsed.toFixed(2)} s = ${Math.round(total / elapsed)} entries/s`,
    );
  });

  it('validates a 10,000-entry API body', () => {
    const body = {
      entries: Array.from({ length: 10_000 }, (_, i) => ({
        provider: 'netzme',
        accountNo: `b${i % 100}`,
        entryRef: `v${i}`,
        amount: '1234.56',
        postedAt: '2026-11-21T10:00:00+07:00',
      })),
    };
    const t0 = process.hrtime.bigint();
    expect(validateLedgerBatch(body).ok).toBe(true);
    console.log(
      `validateLedgerBatch(10,000): ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`,
    );
  });

  it(
    'imports a ledger CSV in bounded memory',
    async () => {
      const rows = Number(process.env.LEDGER_BENCH_CSV_ROWS ?? 200_000);
      const base = Date.parse('2026-06-01T00:00:00Z');
      function* file() {
        yield 'provider,account_no,entry_ref,amount,posted_at\n';
        for (let i = 0; i < rows; i++) {
          const at = new Date(base + i * 1000).toISOString();
          const amount = `${(i % 5000) - 2500}.${String(i % 100).padStart(2, '0')}`;
          yield `netzme,b${((i * 7919) % accountCount) + 1},csv-${i},${amount},${at}\n`;
        }
      }
      let peakHeap = 0;
      const sample = () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed));
      const timer = setInterval(sample, 50);
      const t0 = process.hrtime.bigint();
      const summary = await importLedgerCsv(db.dataSource, Readable.from(file()));
      const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
      clearInterval(timer);
      console.log(
        `csv: ${rows} rows in ${elapsed.toFixed(2)} s = ${Math.round(rows / elapsed)} rows/s, ` +
          `peak heap ${Math.round(peakHeap / 2 ** 20)} MiB`,
      );
      expect(summary).toMatchObject({ rows, imported: rows, rejectedCount: 0 });
    },
    LONG,
  );

  it(
    'leaves every running balance right',
    async () => {
      expect(await wrongBalances(db.dataSource)).toEqual([]);
    },
    LONG,
  );
});
