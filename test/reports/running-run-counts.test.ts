import type { INestApplication } from '@nestjs/common';
import type { RunView } from '@app/reconciliation';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { BASIC_AUTH, startProducerHttp } from './http';

/**
 * A run still running has no stored summary (it is written when the run ends): its counts,
 * per-provider counts and mismatch totals are computed from the results stored so far, over
 * real HTTP on a real Postgres, in `GET /runs/:id`, `GET /runs/latest`, the run list and the
 * overview page's header (which says they are figures so far). A cancelled run keeps the
 * summary it was cancelled with.
 */
describe('a running run’s counts', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let url: string;
  let runId: string;
  let cancelledId: string;

  const sql = (q: string, p: unknown[] = []) => db.dataSource.query(q, p);
  const get = async (path: string) => {
    const res = await fetch(url + path, { headers: BASIC_AUTH });
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return res;
  };

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ({ app, url } = await startProducerHttp(config));
    await sql(`INSERT INTO merchants (id, name) VALUES ('L1', 'Live Merchant')`);
    await sql(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no)
       VALUES ('L1', 'netzme', 'NZLIVE1'), ('L1', 'netzme', 'NZLIVE2'), ('L1', 'nicepay', 'NPLIVE3'),
              ('L1', 'nicepay', 'NPLIVE4'), ('L1', 'finnet', 'FNLIVE5')`,
    );
    // A cancelled run first: its stored summary (1 matched) differs from its results (2).
    [{ id: cancelledId }] = await sql(
      `INSERT INTO reconciliation_runs (trigger, status, finished_at, account_ids, account_count, completed_count, summary)
       SELECT 'api', 'cancelled', now(), array_agg(id ORDER BY id), count(*), 1,
              '{"counts":{"matched":1},"byProvider":{"netzme":{"matched":1}},"totalAbsDifference":"0","largestAbsDifference":"0"}'
         FROM provider_accounts RETURNING id`,
    );
    // The running run (inserted after the app started: nothing resumes it): 4 of 5 results stored.
    [{ id: runId }] = await sql(
      `INSERT INTO reconciliation_runs (trigger, status, account_ids, account_count, completed_count)
       SELECT 'api', 'running', array_agg(id ORDER BY id), count(*), 4 FROM provider_accounts RETURNING id`,
    );
    for (const id of [cancelledId, runId])
      await sql(
        `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, provider_balance,
                ledger_balance, difference, currency, attempts)
         SELECT $1::bigint, a.id, v.status, true, v.pb, v.lb, v.pb - v.lb, 'IDR', 1
           FROM provider_accounts a
           JOIN (VALUES ('NZLIVE1', 'matched', 500000, 500000),
                        ('NZLIVE2', 'mismatched', 100000, 112345),
                        ('NPLIVE3', 'mismatched', 900000, 850000),
                        ('NPLIVE4', 'matched', 70000, 70000)) AS v(account_no, status, pb, lb)
             ON v.account_no = a.account_no
          WHERE $1::bigint = $2::bigint OR v.account_no IN ('NZLIVE1', 'NPLIVE4')`,
        [id, runId],
      );
    runId = String(runId);
    cancelledId = String(cancelledId);
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  const live = {
    status: 'running',
    finishedAt: null,
    completedCount: 4,
    counts: { matched: 2, mismatched: 2, timing: 0, inactive: 0, error: 0, unavailable: 0 },
    byProvider: {
      netzme: { matched: 1, mismatched: 1, timing: 0, inactive: 0, error: 0, unavailable: 0 },
      nicepay: { matched: 1, mismatched: 1, timing: 0, inactive: 0, error: 0, unavailable: 0 },
    },
    breakCount: 2,
    totalAbsDifference: '623.45', // |1000.00 - 1123.45| + |9000.00 - 8500.00|
    largestAbsDifference: '500.00',
  };

  it('GET /runs/:id and /runs/latest count the results stored so far', async () => {
    expect(await (await get(`/runs/${runId}`)).json()).toMatchObject({ id: runId, ...live });
    expect(await (await get('/runs/latest')).json()).toMatchObject({ id: runId, ...live });
  });

  it('the run list counts a running run live too', async () => {
    const { items } = (await (await get('/runs?status=running')).json()) as { items: RunView[] };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: runId, ...live });
  });

  it('the overview header shows the counts and totals so far, and says so', async () => {
    const page = await (await get('/')).text();
    const tile = (id: string) =>
      new RegExp(`data-testid="${id}">\\s*([^<]*?)\\s*<`).exec(page)?.[1] ?? null;
    expect(tile('run-id')).toBe(`#${runId}`);
    expect(tile('count-matched')).toBe('2');
    expect(tile('count-mismatched')).toBe('2');
    expect(tile('count-error')).toBe('0');
    expect(tile('total-difference')).toMatch(/^Rp\s?623,45$/);
    expect(tile('break-count')).toBe('2');
    expect(tile('largest-difference')).toMatch(/^Rp\s?500,00$/);
    expect(page).toMatch(/data-testid="figures-so-far">\s*Figures so far/);
    expect(page).toContain('mismatched so far');
    expect(page).toMatch(/<td>netzme<\/td>\s*<td class="num">1<\/td>\s*<td class="num">1<\/td>/);
    // The list below names the same breaks the header counts.
    expect(page).toContain('2 accounts not matched');
  });

  it('a cancelled run keeps the counts it was cancelled with, and its page says nothing of so far', async () => {
    expect(await (await get(`/runs/${cancelledId}`)).json()).toMatchObject({
      status: 'cancelled',
      counts: { matched: 1, mismatched: 0 },
      byProvider: { netzme: { matched: 1 } },
      totalAbsDifference: '0.00',
      // Its summary was stored before runs recorded a break count: unknown, not 0.
      breakCount: null,
    });
    const page = await (await get(`/?run=${cancelledId}`)).text();
    expect(page).not.toContain('data-testid="break-count"');
    expect(page).toMatch(/data-testid="count-matched">\s*1\s*</);
    expect(page).not.toContain('figures-so-far');
    expect(page).not.toContain('matched so far');
  });
});
