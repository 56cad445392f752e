import type { INestApplication } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { finalizeRun, RESULT_CSV_COLUMNS, RESULT_STATUSES, RunView } from '@app/reconciliation';
import { formatAmount, parseAmount } from '@app/snap';
import { RunReport } from '../../apps/producer/src/openapi/response-schemas';
import { formatInZone } from '../../apps/producer/src/reports/zoned-day';
import { startPipeline, Pipeline } from '../support/pipeline';
import { expectFormulaCellsDefused, plantFormulaRun } from '../support/formula-cells';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { testConfig } from '../support/test-config';
import { BASIC_AUTH, startProducerHttp } from './http';

const API_KEY = 'reports-test-key-0123456789';

/** |a| for bigint. */
const abs = (v: bigint) => (v < 0n ? -v : v);

interface DbResult {
  result_id: string;
  account_id: string;
  merchant_id: string;
  provider: string;
  account_no: string;
  status: string;
  difference: string | null;
}

/**
 * The reports API over real HTTP, on a finished run of the demo scenario (90 accounts through
 * the simulator, worker, Postgres and Redis) plus a few runs written directly with known dates:
 * auth on every endpoint, parameter validation, 404s, and pagination, filters and sort order
 * checked against the database.
 */
describe('reports API', () => {
  const config = testConfig({
    API_KEYS: API_KEY,
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '100',
    RECON_RECHECK_DELAY_MS: '500',
    RECON_IN_FLIGHT_WINDOW_SECONDS: '300',
    SNAP_READ_TIMEOUT_MS: '1500',
    WORKER_CONCURRENCY: '25',
    RATE_LIMIT_PAUSE_MS: '200',
  });
  const tz = config.SCHEDULE_TIMEZONE;
  let pipeline: Pipeline;
  let app: INestApplication;
  let url: string;
  let runId: string;
  /** Runs written directly: [id, started_at]. */
  const extraRuns: { id: string; startedAt: Date; status: string }[] = [];

  const get = (path: string, headers: Record<string, string> = BASIC_AUTH) =>
    fetch(url + path, { headers });
  const getJson = async <T>(path: string): Promise<T> => {
    const res = await get(path);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const db = () => pipeline.db.dataSource;

  /** A run copied from `sourceRun` with every break's difference multiplied, started at `startedAt`. */
  async function copyRun(
    sourceRun: string,
    startedAt: Date,
    factor: number,
    status: 'finished' | 'failed' = 'finished',
  ) {
    const [{ id }]: { id: string }[] = await db().query(
      `INSERT INTO reconciliation_runs (trigger, status, started_at, account_ids, account_count, completed_count)
       SELECT 'schedule', 'running', $2, account_ids, account_count, account_count FROM reconciliation_runs WHERE id = $1
       RETURNING id`,
      [sourceRun, startedAt],
    );
    await db().query(
      `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, provider_balance, ledger_balance,
              difference, currency, response_code, attempts, provider_time, as_of, error_message, checked_at)
       SELECT $2, account_id, status, true, provider_balance, ledger_balance,
              CASE WHEN status IN ('mismatched', 'inactive') THEN difference * $3 ELSE difference END,
              currency, response_code, attempts, provider_time, as_of, error_message, $4
         FROM reconciliation_results WHERE run_id = $1`,
      [sourceRun, id, factor, startedAt],
    );
    await finalizeRun(db(), String(id), 0n);
    if (status === 'failed')
      await db().query(`UPDATE reconciliation_runs SET status = 'failed' WHERE id = $1`, [id]);
    extraRuns.push({ id: String(id), startedAt, status });
    return String(id);
  }

  async function dbResults(run: string): Promise<DbResult[]> {
    return db().query(
      `SELECT r.id AS result_id, r.account_id, a.merchant_id, a.provider, a.account_no, r.status, r.difference
         FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id WHERE r.run_id = $1`,
      [run],
    );
  }

  /** The documented order: |difference| desc (none last), then merchant, provider, account no. */
  function byReportOrder(a: DbResult, b: DbResult): number {
    const ka = a.difference === null ? -1n : abs(BigInt(a.difference));
    const kb = b.difference === null ? -1n : abs(BigInt(b.difference));
    if (ka !== kb) return ka > kb ? -1 : 1;
    return (
      a.merchant_id.localeCompare(b.merchant_id) ||
      a.provider.localeCompare(b.provider) ||
      a.account_no.localeCompare(b.account_no)
    );
  }

  /** The CSV order: |difference| desc (none last), then account id. */
  function byCsvOrder(a: DbResult, b: DbResult): number {
    const ka = a.difference === null ? -1n : abs(BigInt(a.difference));
    const kb = b.difference === null ? -1n : abs(BigInt(b.difference));
    if (ka !== kb) return ka > kb ? -1 : 1;
    return BigInt(a.account_id) < BigInt(b.account_id) ? -1 : 1;
  }

  beforeAll(async () => {
    pipeline = await startPipeline(config, { accountCount: 90 });
    ({ app, url } = await startProducerHttp(config));
    const started = await fetch(`${url}/runs`, {
      method: 'POST',
      headers: { ...BASIC_AUTH, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(started.status).toBe(202);
    runId = ((await started.json()) as { runId: string }).runId;
    await pipeline.waitForRun(runId, 90_000);
    // Two runs on one day three days ago (the second doubles every mismatch), and older ones.
    const day = (daysAgo: number, hour: number) => {
      const d = new Date(Date.now() - daysAgo * 86_400_000);
      const local = formatInZone(d, tz).slice(0, 10);
      return new Date(`${local}T${String(hour).padStart(2, '0')}:00:00${offsetOf(tz)}`);
    };
    await copyRun(runId, day(3, 9), 1);
    await copyRun(runId, day(3, 15), 2);
    await copyRun(runId, day(40, 12), 3, 'failed');
    await copyRun(runId, day(45, 12), 1);
  }, 150_000);

  afterAll(async () => {
    await app?.close();
    await pipeline?.close();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  describe('auth', () => {
    const paths = () => [
      '/runs',
      `/runs/${runId}/results`,
      `/runs/${runId}/results.csv`,
      '/accounts/nicepay/NP00002/history',
      '/reports/daily',
      '/',
      '/ui/accounts/nicepay/NP00002',
      '/docs',
      '/docs-json',
    ];

    it('refuses every new endpoint without credentials: a bare 401 with a basic-auth challenge', async () => {
      for (const path of paths()) {
        const res = await fetch(url + path);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="snap-recon"');
        expect(await res.json()).toMatchObject({ type: 'about:blank', status: 401 });
      }
    });

    it('refuses a wrong API key and a wrong password', async () => {
      for (const path of paths()) {
        expect((await get(path, { 'x-api-key': 'wrong-key-0123456789abc' })).status).toBe(401);
        expect(
          (
            await get(path, {
              authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}`,
            })
          ).status,
        ).toBe(401);
      }
    });

    it('answers every new endpoint with basic auth and with an API key', async () => {
      for (const path of paths()) {
        for (const headers of [BASIC_AUTH, { 'x-api-key': API_KEY }]) {
          const res = await get(path, headers);
          expect({ path, status: res.status }).toEqual({ path, status: 200 });
          await res.arrayBuffer();
        }
      }
    });
  });

  describe('bad parameters', () => {
    const cases: [string, string, string | null][] = [
      ['/runs?status=done', 'status', '"done"'],
      ['/runs?from=yesterday', 'from', '"yesterday"'],
      ['/runs?from=2025-02-30', 'from', '"2025-02-30"'],
      ['/runs?to=2025-11-20T10:00:00', 'to', '"2025-11-20T10:00:00"'],
      // Offsets beyond ±14:00 and a 24th hour: refused naming the field, not by the database.
      ['/runs?from=2025-01-01T00:00:00%2B24:00', 'from', '"2025-01-01T00:00:00+24:00"'],
      ['/runs?to=2025-01-01T24:00:00Z', 'to', '"2025-01-01T24:00:00Z"'],
      ['/runs?from=2025-03-01&to=2025-02-01', 'to', '"2025-02-01"'],
      ['/runs?page=0', 'page', '"0"'],
      ['/runs?page=1&page=2', 'page', '["1","2"]'],
      ['/runs?pageSize=501', 'pageSize', '"501"'],
      ['/runs?pageSize=ten', 'pageSize', '"ten"'],
      ['/runs?staus=finished', 'staus', '"finished"'],
      // Every route that takes a run or discrepancy id answers a bad one in this same shape.
      ['/runs/abc', 'id', '"abc"'],
      ['/runs/abc/report', 'id', '"abc"'],
      ['/runs/1/report?format=xml', 'format', '"xml"'],
      ['/discrepancies/abc', 'id', '"abc"'],
      ['/runs/abc/unmatched.csv', 'id', '"abc"'],
      ['/runs/abc/results', 'id', '"abc"'],
      ['/runs/99999999999999999999/results', 'id', '"99999999999999999999"'],
      ['/runs/1/results?status=mismatched,bogus', 'status', '"mismatched,bogus"'],
      ['/runs/1/results?provider=paypal', 'provider', '"paypal"'],
      ['/runs/1/results?merchant=%3Cscript%3E', 'merchant', '"<script>"'],
      ['/runs/1/results?pageSize=1000', 'pageSize', '"1000"'],
      ['/runs/1/results.csv?page=2', 'page', '"2"'],
      ['/runs/x/results.csv', 'id', '"x"'],
      ['/runs/1/results.csv?status=open', 'status', '"open"'],
      ['/accounts/paypal/NP00002/history', 'provider', '"paypal"'],
      ['/accounts/nicepay/NP%2000002/history', 'accountNo', '"NP 00002"'],
      ['/accounts/nicepay/NP00002/history?limit=201', 'limit', '"201"'],
      ['/accounts/nicepay/NP00002/history?limit=-1', 'limit', '"-1"'],
      ['/reports/daily?days=0', 'days', '"0"'],
      ['/reports/daily?days=367', 'days', '"367"'],
      ['/reports/daily?day=7', 'day', '"7"'],
      ['/?run=latest', 'run', '"latest"'],
      ['/ui/accounts/nicepay/NP00002?limit=x', 'limit', '"x"'],
    ];

    it.each(cases)('%s: 400 naming %s and %s', async (path, field, value) => {
      const res = await get(path);
      expect(res.status).toBe(400);
      const body = (await res.json()) as {
        status: number;
        detail: string;
        errors: { field: string; value: string | null }[];
      };
      expect(body.status).toBe(400);
      expect(body.detail).toMatch(/^invalid (query|path) parameters$/);
      expect(body.errors).toContainEqual(expect.objectContaining({ field, value }));
    });
  });

  describe('unknown things', () => {
    it.each([
      '/runs/987654321',
      '/runs/987654321/results',
      '/runs/987654321/results.csv',
      '/accounts/netzme/NOPE1/history',
    ])('%s: 404', async (path) => {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/not found/);
    });

    it('an unknown account page is an HTML 404', async () => {
      const res = await get('/ui/accounts/netzme/NOPE1');
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('There is no netzme account NOPE1.');
    });
  });

  describe('GET /runs', () => {
    it('lists every run newest first, paginated, with the summary of each', async () => {
      const all: { id: string; started_at: Date }[] = await db().query(
        `SELECT id, started_at FROM reconciliation_runs ORDER BY started_at DESC, id DESC`,
      );
      expect(all).toHaveLength(5);
      const seen: RunView[] = [];
      for (let page = 1; page <= 3; page++) {
        const body = await getJson<{
          items: RunView[];
          page: number;
          pageSize: number;
          total: number;
        }>(`/runs?pageSize=2&page=${page}`);
        expect({ page: body.page, pageSize: body.pageSize, total: body.total }).toEqual({
          page,
          pageSize: 2,
          total: 5,
        });
        seen.push(...body.items);
      }
      expect(seen.map((r) => r.id)).toEqual(all.map((r) => String(r.id)));
      const scenarioRun = seen.find((r) => r.id === runId)!;
      expect(scenarioRun).toEqual(await getJson<RunView>(`/runs/${runId}`));
      expect(scenarioRun.counts.mismatched).toBe(
        pipeline.scenario.filter((a) => a.expected.status === 'mismatched').length,
      );
      // Counts come in status order, whatever order jsonb keeps them in.
      expect(Object.keys(scenarioRun.counts)).toEqual([...RESULT_STATUSES]);
      for (const counts of Object.values(scenarioRun.byProvider))
        expect(Object.keys(counts)).toEqual([...RESULT_STATUSES]);
      expect((await getJson<{ items: RunView[] }>('/runs?page=4&pageSize=2')).items).toEqual([]);
    });

    it('filters by status', async () => {
      const failed = await getJson<{ items: RunView[]; total: number }>('/runs?status=failed');
      expect(failed.total).toBe(1);
      expect(failed.items.map((r) => r.id)).toEqual(
        extraRuns.filter((r) => r.status === 'failed').map((r) => r.id),
      );
      const finished = await getJson<{ total: number }>('/runs?status=finished');
      expect(finished.total).toBe(4);
      expect((await getJson<{ total: number }>('/runs?status=running')).total).toBe(0);
    });

    it('filters by start: calendar days in the report time zone, or instants', async () => {
      const threeDaysAgo = extraRuns[0];
      const dayOf = (d: Date) => formatInZone(d, tz).slice(0, 10);
      const sameDay = await getJson<{ items: RunView[] }>(
        `/runs?from=${dayOf(threeDaysAgo.startedAt)}&to=${dayOf(threeDaysAgo.startedAt)}`,
      );
      expect(sameDay.items.map((r) => r.id)).toEqual([extraRuns[1].id, extraRuns[0].id]);
      const instant = new Date(threeDaysAgo.startedAt.getTime() + 60_000).toISOString();
      const fromInstant = await getJson<{ items: RunView[] }>(
        `/runs?from=${encodeURIComponent(instant)}`,
      );
      expect(fromInstant.items.map((r) => r.id)).toEqual([runId, extraRuns[1].id]);
      // Microseconds (Python's isoformat, Postgres): read to the millisecond, same runs.
      const micro = await getJson<{ items: RunView[] }>(
        `/runs?from=${encodeURIComponent(instant.replace('Z', '123+00:00'))}`,
      );
      expect(micro.items.map((r) => r.id)).toEqual([runId, extraRuns[1].id]);
      const before = await getJson<{ items: RunView[] }>(`/runs?to=${encodeURIComponent(instant)}`);
      expect(before.items.map((r) => r.id)).toEqual([
        extraRuns[0].id,
        extraRuns[2].id,
        extraRuns[3].id,
      ]);
      const old = await getJson<{ items: RunView[] }>(
        `/runs?to=${dayOf(new Date(Date.now() - 30 * 86_400_000))}&status=finished`,
      );
      expect(old.items.map((r) => r.id)).toEqual([extraRuns[3].id]);
    });
  });

  describe('GET /runs/:id/results', () => {
    it('pages through every result in |difference| order, then merchant, provider, account', async () => {
      const expected = (await dbResults(runId)).sort(byReportOrder);
      expect(expected).toHaveLength(90);
      const got: {
        provider: string;
        accountNo: string;
        status: string;
        difference: string | null;
      }[] = [];
      let total = 0;
      for (let page = 1; page <= 13; page++) {
        const body = await getJson<{
          runId: string;
          items: typeof got;
          total: number;
          page: number;
        }>(`/runs/${runId}/results?pageSize=7&page=${page}`);
        expect(body.runId).toBe(runId);
        total = body.total;
        got.push(...body.items);
      }
      expect(total).toBe(90);
      expect(got.map((r) => `${r.provider}/${r.accountNo}`)).toEqual(
        expected.map((r) => `${r.provider}/${r.account_no}`),
      );
      expect(got.map((r) => [r.status, r.difference])).toEqual(
        expected.map((r) => [
          r.status,
          r.difference === null ? null : formatAmount(BigInt(r.difference)),
        ]),
      );
    });

    it('resolves latest to the newest run', async () => {
      const latest = await getJson<{ runId: string }>('/runs/latest/results?pageSize=1');
      const [{ id }]: { id: string }[] = await db().query(
        `SELECT max(id) AS id FROM reconciliation_runs`,
      );
      expect(latest.runId).toBe(String(id));
    });

    it('filters by status (one or several), provider and merchant', async () => {
      const rows = await dbResults(runId);
      const check = async (query: string, keep: (r: DbResult) => boolean) => {
        const body = await getJson<{
          items: { provider: string; accountNo: string }[];
          total: number;
        }>(`/runs/${runId}/results?pageSize=500&${query}`);
        const expected = rows.filter(keep).sort(byReportOrder);
        expect({ query, total: body.total }).toEqual({ query, total: expected.length });
        expect(body.items.map((r) => `${r.provider}/${r.accountNo}`)).toEqual(
          expected.map((r) => `${r.provider}/${r.account_no}`),
        );
        return expected.length;
      };
      expect(await check('status=mismatched', (r) => r.status === 'mismatched')).toBeGreaterThan(0);
      expect(
        await check(
          'status=error,inactive',
          (r) => r.status === 'error' || r.status === 'inactive',
        ),
      ).toBeGreaterThan(1);
      expect(await check('provider=nicepay', (r) => r.provider === 'nicepay')).toBe(
        pipeline.scenario.filter((a) => a.provider === 'nicepay').length,
      );
      expect(await check('provider=midtrans', (r) => r.provider === 'midtrans')).toBeGreaterThan(0);
      expect(await check('merchant=M00005', (r) => r.merchant_id === 'M00005')).toBe(1);
      expect(
        await check(
          'provider=finnet&status=matched',
          (r) => r.provider === 'finnet' && r.status === 'matched',
        ),
      ).toBeGreaterThan(0);
      expect(await check('merchant=M99999', () => false)).toBe(0);
    });

    it('shows amounts as decimal strings and the merchant name', async () => {
      const body = await getJson<{ items: Record<string, unknown>[] }>(
        `/runs/${runId}/results?status=mismatched&pageSize=1`,
      );
      const item = body.items[0];
      expect(item.difference).toMatch(/^-?\d+\.\d{2}$/);
      expect(item.providerBalance).toMatch(/^-?\d+\.\d{2}$/);
      expect(item.merchantName).toMatch(/^Toko Demo \d{5}$/);
      expect(typeof item.checkedAt).toBe('string');
    });
  });

  describe('GET /runs/:id/results.csv', () => {
    it('streams every result with the report columns, |difference| then account order', async () => {
      const res = await get(`/runs/${runId}/results.csv`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="run-${runId}-results.csv"`,
      );
      const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
      expect(Object.keys(rows[0])).toEqual(RESULT_CSV_COLUMNS);
      const expected = (await dbResults(runId)).sort(byCsvOrder);
      expect(rows.map((r) => `${r.provider}/${r.accountNo}`)).toEqual(
        expected.map((r) => `${r.provider}/${r.account_no}`),
      );
      expect(rows.map((r) => r.difference)).toEqual(
        expected.map((r) => (r.difference === null ? '' : formatAmount(BigInt(r.difference)))),
      );
    });

    it('applies the same filters', async () => {
      const res = await get(`/runs/${runId}/results.csv?status=mismatched,error&provider=netzme`);
      const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
      const expected = (await dbResults(runId))
        .filter(
          (r) => (r.status === 'mismatched' || r.status === 'error') && r.provider === 'netzme',
        )
        .sort(byCsvOrder);
      expect(expected.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.accountNo)).toEqual(expected.map((r) => r.account_no));
    });

    it('keeps GET /runs/:id/report?format=csv working, streamed the same way', async () => {
      const res = await get(`/runs/${runId}/report?format=csv`);
      expect(res.status).toBe(200);
      const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(90);
      const json = await getJson<{ run: RunView; results: unknown[] }>(`/runs/${runId}/report`);
      expect(json.results).toHaveLength(90);
      // The OpenAPI schema describes it (every field of every result, asOf included).
      const parsed = RunReport.safeParse(json);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      expect(Object.keys(json.results[0] as object)).toEqual(RESULT_CSV_COLUMNS);
    });
  });

  describe('GET /accounts/:provider/:accountNo/history', () => {
    it('lists the account’s results newest first with the ledger entries of the in-flight window', async () => {
      const stuck = pipeline.scenario.find((a) => a.kind === 'in-flight-stuck')!;
      const body = await getJson<{
        account: Record<string, unknown>;
        inFlightWindowSeconds: number;
        items: {
          runId: string;
          status: string;
          difference: string;
          ledgerBalance: string;
          asOf: string;
          windowStart: string;
          windowEntries: {
            entryRef: string;
            amount: string;
            postedAt: string;
            balanceAfter: string;
          }[];
          balanceBeforeWindow: string;
        }[];
      }>(`/accounts/${stuck.provider}/${stuck.accountNo}/history`);
      expect(body.account).toEqual({
        merchantId: stuck.merchantId,
        merchantName: stuck.merchantName,
        provider: stuck.provider,
        accountNo: stuck.accountNo,
        msId: null,
        currency: 'IDR',
        enabled: true,
      });
      expect(body.inFlightWindowSeconds).toBe(300);
      const runs: { run_id: string }[] = await db().query(
        `SELECT r.run_id FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
          WHERE a.provider = $1 AND a.account_no = $2 ORDER BY r.run_id DESC`,
        [stuck.provider, stuck.accountNo],
      );
      expect(body.items.map((i) => i.runId)).toEqual(runs.map((r) => String(r.run_id)));
      const latest = body.items.find((i) => i.runId === runId)!;
      expect(latest.status).toBe('mismatched');
      expect(latest.difference).toBe(formatAmount(stuck.expected.difference!));
      // The in-flight debit the provider had not booked is the one entry in the window.
      const inflight = stuck.ledger.find((e) => e.entryRef.endsWith('-inflight'))!;
      expect(latest.windowEntries).toEqual([
        expect.objectContaining({
          entryRef: inflight.entryRef,
          amount: formatAmount(inflight.amount),
          postedAt: inflight.postedAt.toISOString(),
        }),
      ]);
      const entries: { entry_ref: string }[] = await db().query(
        `SELECT e.entry_ref FROM ledger_entries e JOIN provider_accounts a ON a.id = e.account_id
          WHERE a.provider = $1 AND a.account_no = $2 AND e.posted_at <= $3 AND e.posted_at > $4 ORDER BY e.posted_at DESC`,
        [stuck.provider, stuck.accountNo, latest.asOf, latest.windowStart],
      );
      expect(latest.windowEntries.map((e) => e.entryRef)).toEqual(entries.map((e) => e.entry_ref));
      expect(Date.parse(latest.asOf) - Date.parse(latest.windowStart)).toBe(300_000);
      expect(latest.balanceBeforeWindow).toBe(
        formatAmount(parseAmount(latest.ledgerBalance) - inflight.amount),
      );
    });

    it('honours limit, and lists an error result without a window', async () => {
      const failing = pipeline.scenario.find((a) => a.kind === 'permanent-failure')!;
      const body = await getJson<{
        items: { runId: string; status: string; asOf: string | null; windowEntries: unknown[] }[];
      }>(`/accounts/${failing.provider}/${failing.accountNo}/history?limit=2`);
      // Newest run first means the highest run id (creation order): here the copies written last.
      const [{ ids }]: { ids: string[] }[] = await db().query(
        `SELECT array_agg(id ORDER BY id DESC) AS ids FROM reconciliation_runs`,
      );
      expect(body.items.map((i) => i.runId)).toEqual(ids.slice(0, 2).map(String));
      for (const item of body.items) {
        expect(item).toEqual(
          expect.objectContaining({ status: 'error', asOf: null, windowEntries: [] }),
        );
      }
    });
  });

  describe('GET /reports/daily', () => {
    it('gives every day of the window, each account once a day with its last difference, as the database says', async () => {
      const body = await getJson<{
        days: number;
        timeZone: string;
        items: { date: string; runs: number; mismatchCount: number; totalAbsDifference: string }[];
      }>('/reports/daily?days=50');
      expect(body.days).toBe(50);
      expect(body.timeZone).toBe(tz);
      expect(body.items).toHaveLength(50);
      expect(body.items[49].date).toBe(formatInZone(new Date(), tz).slice(0, 10));
      // Recompute independently: every run's mismatches, bucketed by local day in JS.
      const rows: { run_id: string; started_at: Date; account_id: string; difference: string }[] =
        await db().query(
          `SELECT ru.id AS run_id, ru.started_at, r.account_id, r.difference
           FROM reconciliation_runs ru JOIN reconciliation_results r ON r.run_id = ru.id
          WHERE r.status = 'mismatched' OR (r.status = 'inactive' AND r.difference IS NOT NULL)`,
        );
      const runs: { started_at: Date }[] = await db().query(
        `SELECT started_at FROM reconciliation_runs`,
      );
      const perDay = new Map<string, Map<string, { run: bigint; diff: bigint }>>();
      for (const r of rows) {
        const day = formatInZone(r.started_at, tz).slice(0, 10);
        const accounts = perDay.get(day) ?? new Map();
        const prev = accounts.get(r.account_id);
        if (!prev || BigInt(r.run_id) > prev.run)
          accounts.set(r.account_id, { run: BigInt(r.run_id), diff: abs(BigInt(r.difference)) });
        perDay.set(day, accounts);
      }
      for (const item of body.items) {
        const accounts = [...(perDay.get(item.date)?.values() ?? [])];
        expect(item).toEqual({
          date: item.date,
          runs: runs.filter((r) => formatInZone(r.started_at, tz).slice(0, 10) === item.date)
            .length,
          mismatchCount: accounts.length,
          totalAbsDifference: formatAmount(accounts.reduce((sum, a) => sum + a.diff, 0n)),
        });
      }
      // Three days ago: two runs, each mismatch counted once with the later (doubled) difference.
      const scenarioRun = await getJson<RunView>(`/runs/${runId}`);
      const threeDaysAgo = body.items.find(
        (i) => i.date === formatInZone(extraRuns[0].startedAt, tz).slice(0, 10),
      )!;
      expect(threeDaysAgo.runs).toBe(2);
      // A break on an inactive account counts beside the mismatches (the demo scenario has one).
      const inactiveBreaks = pipeline.scenario.filter(
        (a) => a.expected.status === 'inactive' && a.expected.difference !== null,
      ).length;
      expect(threeDaysAgo.mismatchCount).toBe(scenarioRun.counts.mismatched + inactiveBreaks);
      expect(threeDaysAgo.totalAbsDifference).toBe(
        formatAmount(2n * parseAmount(scenarioRun.totalAbsDifference)),
      );
      // The 45-day-old run is outside the default 30 days.
      const month = await getJson<{ items: { date: string; runs: number }[] }>('/reports/daily');
      expect(month.items).toHaveLength(30);
      expect(month.items.reduce((n, d) => n + d.runs, 0)).toBe(3);
    });
  });

  describe('OpenAPI', () => {
    it('documents every reports endpoint with its parameters at /docs-json, and serves the UI at /docs', async () => {
      const doc = await getJson<{
        paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
        components: { schemas: Record<string, unknown> };
      }>('/docs-json');
      const params = (path: string) =>
        (doc.paths[path]?.get?.parameters ?? []).map((p) => p.name).sort();
      expect(params('/runs')).toEqual(['from', 'page', 'pageSize', 'status', 'to']);
      expect(params('/runs/{id}/results')).toEqual([
        'id',
        'merchant',
        'page',
        'pageSize',
        'provider',
        'status',
      ]);
      expect(params('/runs/{id}/results.csv')).toEqual(['id', 'merchant', 'provider', 'status']);
      expect(params('/accounts/{provider}/{accountNo}/history')).toEqual([
        'accountNo',
        'limit',
        'msId',
        'provider',
      ]);
      expect(params('/reports/daily')).toEqual(['days']);
      expect(params('/runs/{id}')).toEqual(['id']);
      expect(doc.paths['/runs']?.post).toBeDefined();
      expect(Object.keys(doc.components.schemas)).toEqual(
        expect.arrayContaining(['RunView', 'ResultItem', 'AccountHistory', 'DailyReport']),
      );
      const ui = await get('/docs');
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger-ui');
    });
  });

  it('escapes merchant names on the page', async () => {
    const mismatched: { merchant_id: string }[] = await db().query(
      `SELECT a.merchant_id FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1 AND r.status = 'mismatched' LIMIT 1`,
      [runId],
    );
    const evil = `<script>alert(1)</script><img src=x onerror="alert(2)">&"'`;
    await db().query(`UPDATE merchants SET name = $2 WHERE id = $1`, [
      mismatched[0].merchant_id,
      evil,
    ]);
    try {
      const res = await get(`/?run=${runId}`);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const page = await res.text();
      expect(page).not.toContain('<script');
      expect(page).not.toContain('<img');
      expect(page).toContain(
        '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;&amp;&quot;&#39;',
      );
    } finally {
      await db().query(`UPDATE merchants SET name = 'Toko Demo ' || substr(id, 2) WHERE id = $1`, [
        mismatched[0].merchant_id,
      ]);
    }
  });

  // Last: it adds a run (the new `latest`) that the tests above do not expect.
  it('defuses provider texts starting with = + - @ tab or CR in both CSVs, negative amounts as they are', async () => {
    const { runId: planted, planted: results } = await plantFormulaRun(db());
    const csv = await get(`/runs/${planted}/results.csv`);
    expect(csv.status).toBe(200);
    expectFormulaCellsDefused(await csv.text(), results);
    const report = await get(`/runs/${planted}/report?format=csv`);
    expect(report.status).toBe(200);
    expectFormulaCellsDefused(await report.text(), results);
  });
});

/** `+07:00` for Asia/Jakarta (now): the zone's current UTC offset as ISO text. */
function offsetOf(timeZone: string): string {
  const now = new Date();
  const local = formatInZone(now, timeZone);
  const asUtc = Date.parse(`${local.replace(' ', 'T')}Z`);
  const minutes = Math.round((asUtc - now.getTime()) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
