import { mkdirSync, writeFileSync } from 'node:fs';
import { get as httpGet, IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { INestApplication } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { loadRunReport, RESULT_CSV_COLUMNS, reportToCsv } from '@app/reconciliation';
import { writeResultsCsv } from '@app/reconciliation/results-csv-export';
import { formatAmount } from '@app/snap';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { BASIC_AUTH, startProducerHttp } from './http';

/** Accounts of the seeded run: 10× the 10,000 asked for, so that buffering would stand out. */
const ACCOUNTS = Number(process.env.CSV_STREAM_ACCOUNTS ?? 100_000);
const MB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live heap after a full collection: what is really retained, not garbage awaiting GC. */
function liveHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * The CSV of a large run streams in constant memory. The run's results are seeded in SQL;
 * the CSV is downloaded over real HTTP from the producer in this process, and the live heap
 * (after a forced full GC) is sampled every 750 ms during the download. The same figure for
 * building the CSV in one piece (the old `loadRunReport` + `reportToCsv`) shows the
 * measurement would catch a buffering implementation.
 */
describe('results CSV streaming', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let url: string;
  let runId: string;

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ({ app, url } = await startProducerHttp(config));
    const ds = db.dataSource;
    await ds.query(
      `INSERT INTO merchants (id, name) SELECT 'M' || lpad(g::text, 6, '0'), 'Merchant ' || g FROM generate_series(1, $1::int) g`,
      [Math.ceil(ACCOUNTS / 4)],
    );
    await ds.query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no)
       SELECT 'M' || lpad((1 + (g - 1) / 4)::text, 6, '0'), (ARRAY['netzme', 'nicepay', 'finnet'])[1 + g % 3], 'AC' || lpad(g::text, 7, '0')
         FROM generate_series(1, $1::int) g`,
      [ACCOUNTS],
    );
    const [{ id }]: { id: string }[] = await ds.query(
      `INSERT INTO reconciliation_runs (trigger, status, account_count, completed_count, finished_at)
       VALUES ('cli', 'finished', $1, $1, now()) RETURNING id`,
      [ACCOUNTS],
    );
    runId = String(id);
    // Every 50th account mismatched by a varying amount, every 97th an error, the rest matched
    // (a long run of equal |difference| 0, which the keyset must cross batch after batch).
    await ds.query(
      `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, provider_balance, ledger_balance,
              difference, currency, response_code, attempts, provider_time, as_of, error_message)
       SELECT $1, a.id, s.status, true,
              CASE WHEN s.status = 'error' THEN NULL ELSE 1000000 + a.id * 7 + s.diff END,
              CASE WHEN s.status = 'error' THEN NULL ELSE 1000000 + a.id * 7 END,
              CASE WHEN s.status = 'error' THEN NULL ELSE s.diff END,
              'IDR', CASE WHEN s.status = 'error' THEN '4041111' ELSE '2001100' END, 1,
              now(), now(), CASE WHEN s.status = 'error' THEN 'account not found, "quoted", with comma' END
         FROM provider_accounts a
         CROSS JOIN LATERAL (SELECT CASE WHEN a.id % 97 = 0 THEN 'error' WHEN a.id % 50 = 0 THEN 'mismatched' ELSE 'matched' END AS status,
                                    CASE WHEN a.id % 97 <> 0 AND a.id % 50 = 0 THEN ((a.id * 7919) % 200001 - 100000) ELSE 0 END AS diff) s`,
      [runId],
    );
    await ds.query(`ANALYZE reconciliation_results`);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  /** Downloads `path`, counting lines chunk by chunk (nothing kept but a few lines). */
  function download(
    path: string,
    onResponse?: (res: IncomingMessage) => void,
    sampleEvery = 10_000,
    onBytes?: (bytesSoFar: number) => void,
  ) {
    return new Promise<{
      status: number;
      bytes: number;
      lines: number;
      header: string;
      samples: Map<number, string>;
    }>((resolve, reject) => {
      httpGet(url + path, { headers: BASIC_AUTH }, (res) => {
        onResponse?.(res);
        let bytes = 0;
        let lines = 0;
        let partial = '';
        let header = '';
        const samples = new Map<number, string>();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          bytes += Buffer.byteLength(chunk);
          onBytes?.(bytes);
          const parts = (partial + chunk).split('\n');
          partial = parts.pop()!;
          for (const line of parts) {
            if (lines === 0) header = line;
            else if (lines % sampleEvery === 1 || lines <= 3) samples.set(lines, line);
            lines++;
          }
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            bytes,
            lines: lines + (partial ? 1 : 0),
            header,
            samples,
          }),
        );
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error(`${path}: response closed after ${bytes} bytes`));
        });
      }).on('error', reject);
    });
  }

  it('streams every result of the run in order, with a bounded heap', async () => {
    // Warm up with one whole download first, so that compiling and optimizing the code on the
    // way (V8 code is heap too) is not counted as growth.
    expect((await download(`/runs/${runId}/results.csv`)).lines).toBe(ACCOUNTS + 1);
    const before = liveHeap();
    let peak = 0;
    let samples = 0;
    // Sampled by progress, not by time, so a fast download is sampled as often as a slow one;
    // each sample forces a full GC (tens of ms on jest's heap), hence once per MiB.
    let nextSampleAt = MB;
    const started = Date.now();
    const csv = await download(`/runs/${runId}/results.csv`, undefined, undefined, (bytes) => {
      if (bytes < nextSampleAt) return;
      nextSampleAt += MB;
      peak = Math.max(peak, liveHeap() - before);
      samples++;
    });
    const seconds = (Date.now() - started) / 1000;
    peak = Math.max(peak, liveHeap() - before);

    expect(csv.status).toBe(200);
    expect(csv.header).toBe(RESULT_CSV_COLUMNS.join(','));
    expect(csv.lines).toBe(ACCOUNTS + 1);

    // A few rows, checked against the database: the first (largest |difference|) and samples.
    const expected: { account_no: string; status: string; difference: string | null }[] =
      await db.dataSource.query(
        `SELECT a.account_no, r.status, r.difference FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1 ORDER BY coalesce(abs(r.difference), -1) DESC, r.account_id`,
        [runId],
      );
    expect(csv.samples.size).toBeGreaterThan(5);
    for (const [line, text] of csv.samples) {
      const [row] = parse(text, { columns: RESULT_CSV_COLUMNS as string[] }) as Record<
        string,
        string
      >[];
      const want = expected[line - 1];
      expect({
        line,
        accountNo: row.accountNo,
        status: row.status,
        difference: row.difference,
      }).toEqual({
        line,
        accountNo: want.account_no,
        status: want.status,
        difference: want.difference === null ? '' : formatAmount(BigInt(want.difference)),
      });
    }
    const lastError = expected[expected.length - 1];
    expect(lastError.status).toBe('error');

    // The same measurement for the buffering way: every result and the whole CSV in memory.
    const bufferedBefore = liveHeap();
    const report = await loadRunReport(db.dataSource, runId);
    const whole = reportToCsv(report!);
    const buffered = liveHeap() - bufferedBefore;
    expect(Buffer.byteLength(whole)).toBe(csv.bytes);

    const measurement = {
      accounts: ACCOUNTS,
      samples,
      csvBytes: csv.bytes,
      seconds,
      streamedPeakLiveHeapGrowthBytes: peak,
      bufferedLiveHeapGrowthBytes: buffered,
      method:
        'live heap (process.memoryUsage().heapUsed right after a forced full GC) sampled after every MiB received during the download, minus the live heap before it',
    };
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/csv-stream-memory.json', JSON.stringify(measurement, null, 2));
    process.stdout.write(
      `results CSV: ${ACCOUNTS} rows, ${(csv.bytes / MB).toFixed(1)} MiB in ${seconds.toFixed(1)} s; live heap growth ` +
        `streamed ${(peak / MB).toFixed(1)} MiB at most, buffered ${(buffered / MB).toFixed(1)} MiB\n`,
    );
    expect(buffered).toBeGreaterThan(csv.bytes);
    expect(samples).toBeGreaterThanOrEqual(5);
    // What is in flight at a sample (a keyset batch of 1,000 results on the server, the socket's
    // and the client's buffers, all in this one heap) depends on when the sample lands: clean-clone
    // runs measured 0.0, 0.0, 2.1 and 2.5 MiB here. Streaming holds under a tenth of what
    // buffering holds (50 MiB), under half of the 9.6 MiB file itself.
    expect(peak).toBeLessThan(buffered / 10);
    expect(peak).toBeLessThan(csv.bytes / 2);
  }, 120_000);

  /** Counts the keyset batch queries the app's data source runs while `body` runs. */
  async function countingBatches<T>(
    ds: DataSource,
    body: (count: () => number) => Promise<T>,
  ): Promise<T> {
    const original = ds.query.bind(ds);
    let batches = 0;
    ds.query = ((sql: string, params?: unknown[]) => {
      if (sql.includes('AS sort_key')) batches++;
      return original(sql, params);
    }) as typeof ds.query;
    try {
      return await body(() => batches);
    } finally {
      ds.query = original;
    }
  }

  it('queries the next batch only when the destination has taken the previous one (backpressure)', async () => {
    // A destination that accepts 16 KiB and then stops taking data until released: a slow client.
    let release: (() => void) | null = null;
    let received = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received < 256 * 1024) return done();
        release = done;
      },
    });
    await countingBatches(db.dataSource, async (batches) => {
      const writing = writeResultsCsv(db.dataSource, runId, {}, slow);
      while (!release) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 1000));
      // 256 KiB is about 2,700 rows: three or four batches of 1,000, not the run's 100.
      const whileBlocked = batches();
      expect(whileBlocked).toBeLessThanOrEqual(5);
      await new Promise((r) => setTimeout(r, 500));
      expect(batches()).toBe(whileBlocked);
      slow.destroy();
      await expect(writing).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 300));
      expect(batches()).toBe(whileBlocked);
      process.stdout.write(
        `backpressure: ${whileBlocked} of ${Math.ceil(ACCOUNTS / 1000)} batches queried while the destination was blocked\n`,
      );
    });
  });

  it('stops querying when the HTTP client hangs up part-way', async () => {
    const totalBatches = Math.ceil(ACCOUNTS / 1000);
    await countingBatches(app.get(DataSource), async (batches) => {
      const outcome = await new Promise<string>((resolve) => {
        httpGet(`${url}/runs/${runId}/results.csv`, { headers: BASIC_AUTH }, (res) => {
          res.once('data', () => {
            res.destroy();
            resolve('hung up');
          });
        }).on('error', () => resolve('error'));
      });
      expect(outcome).toBe('hung up');
      await new Promise((r) => setTimeout(r, 1000));
      const afterHangUp = batches();
      await new Promise((r) => setTimeout(r, 1000));
      expect(batches()).toBe(afterHangUp);
      expect(afterHangUp).toBeLessThan(totalBatches);
      process.stdout.write(`hang-up: ${afterHangUp} of ${totalBatches} batches queried\n`);
    });
  });
});
