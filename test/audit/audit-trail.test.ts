import type { INestApplication } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { AUDIT_CSV_COLUMNS, appendAudit } from '@app/reconciliation';
import { BASIC_AUTH, startProducerHttp } from '../reports/http';
import { FORMULA_STARTS } from '../support/formula-cells';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

const API_KEY = 'audit-test-key-0123456789abcdef';

/**
 * The audit trail over real HTTP on a real Postgres: acknowledging and resolving a
 * discrepancy (API and page), starting and cancelling a run and posting ledger entries each
 * leave one record naming who, in which role, the state before and after and the note; the table
 * refuses updates and deletes; the discrepancy and account pages show the records; the CSV
 * export carries them.
 */
describe('audit trail', () => {
  const config = testConfig({ API_KEYS: API_KEY });
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let url: string;
  let discrepancyId: string;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = BASIC_AUTH,
  ) => {
    const res = await fetch(url + path, {
      method,
      headers: { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) };
  };
  const sql = (q: string, p: unknown[] = []) => db.dataSource.query(q, p);
  const audit = async (query = '') =>
    (await call('GET', `/audit${query}`)).json() as {
      total: number;
      items: Record<string, unknown>[];
    };

  beforeAll(async () => {
    db = await createTestDatabase(config);
    await sql(`INSERT INTO merchants (id, name) VALUES ('A1', 'Audit Merchant')`);
    const [{ id: accountId }] = await sql(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no) VALUES ('A1', 'nicepay', 'NICEAUDIT1') RETURNING id`,
    );
    await sql(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no) VALUES ('A1', 'netzme', 'NETZAUDIT2')`,
    );
    const [{ id: runId }] = await sql(
      `INSERT INTO reconciliation_runs (trigger, status, account_count) VALUES ('api', 'finished', 1) RETURNING id`,
    );
    [{ id: discrepancyId }] = await sql(
      `INSERT INTO discrepancies (account_id, opened_run_id, last_run_id, first_difference, last_difference)
       VALUES ($1, $2, $2, 12345, 12345) RETURNING id`,
      [accountId, runId],
    );
    discrepancyId = String(discrepancyId);
    ({ app, url } = await startProducerHttp(config));
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  it('records an acknowledge through the API with the basic-auth user, role, before/after and note', async () => {
    const res = await call('POST', `/discrepancies/${discrepancyId}/acknowledge`, {
      note: 'asked NICEPay ops',
    });
    expect(res.status).toBe(200);
    const { items, total } = await audit(`?subjectType=discrepancy&subjectId=${discrepancyId}`);
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({
      actorName: 'admin',
      actorRole: 'admin',
      action: 'discrepancy.acknowledge',
      subjectType: 'discrepancy',
      subjectId: discrepancyId,
      provider: 'nicepay',
      accountNo: 'NICEAUDIT1',
      before: { status: 'open' },
      after: { status: 'acknowledged', lastDifference: '123.45' },
      note: 'asked NICEPay ops',
    });
    expect(Date.now() - Date.parse(items[0].at as string)).toBeLessThan(60_000);
  });

  it('records nothing for a refused change (409) or a bad note (400)', async () => {
    expect(
      (await call('POST', `/discrepancies/${discrepancyId}/acknowledge`, { note: 'again' })).status,
    ).toBe(409);
    expect(
      (await call('POST', `/discrepancies/${discrepancyId}/resolve`, { note: '' })).status,
    ).toBe(400);
    expect((await audit()).total).toBe(1);
  });

  it('records a resolve from the page (form post) under the API key’s name, never the key', async () => {
    // The page's forms carry a CSRF token tied to the cookie set beside it.
    const page = await fetch(`${url}/ui/discrepancies`, { headers: { 'x-api-key': API_KEY } });
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
    const res = await fetch(`${url}/ui/discrepancies/${discrepancyId}/resolve`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'x-api-key': API_KEY,
        'content-type': 'application/x-www-form-urlencoded',
        cookie,
        origin: url,
      },
      body: `note=%3DHYPERLINK(%22x%22)+fee+booked+late&_csrf=${encodeURIComponent(token)}`,
    });
    expect(res.status).toBe(303);
    const [latest] = (await audit()).items;
    expect(latest).toMatchObject({
      action: 'discrepancy.resolve',
      actorName: 'api-key-1', // a bare key's name: its place in API_KEYS, never the key
      before: { status: 'acknowledged' },
      after: { status: 'resolved' },
      note: '=HYPERLINK("x") fee booked late',
    });
    const raw = await sql(`SELECT * FROM audit_log`);
    expect(JSON.stringify(raw)).not.toContain(API_KEY);
  });

  it('records a run started through the API with its filter and account count', async () => {
    const res = await call('POST', '/runs', { provider: 'netzme' });
    expect(res.status).toBe(202);
    const { runId } = res.json();
    const { items } = await audit(`?subjectType=run&subjectId=${runId}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      action: 'run.start',
      actorName: 'admin',
      after: { trigger: 'api', provider: 'netzme', accountCount: 1 },
    });
  });

  it('records posted ledger entries once per account, and nothing for a resent batch', async () => {
    const batch = {
      entries: [
        {
          provider: 'nicepay',
          accountNo: 'NICEAUDIT1',
          entryRef: 'L1',
          amount: '100.00',
          postedAt: '2026-11-30T01:00:00Z',
        },
        {
          provider: 'nicepay',
          accountNo: 'NICEAUDIT1',
          entryRef: 'L2',
          amount: '-25.50',
          postedAt: '2026-11-30T02:00:00Z',
        },
        {
          provider: 'netzme',
          accountNo: 'NETZAUDIT2',
          entryRef: 'L3',
          amount: '7.00',
          postedAt: '2026-11-30T03:00:00Z',
        },
      ],
    };
    expect((await call('POST', '/ledger/entries', batch, { 'x-api-key': API_KEY })).status).toBe(
      200,
    );
    expect((await call('POST', '/ledger/entries', batch, { 'x-api-key': API_KEY })).status).toBe(
      200,
    );
    const { items } = await audit('?subjectType=account&provider=nicepay&accountNo=NICEAUDIT1');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      action: 'ledger.entries.post',
      subjectId: 'nicepay/NICEAUDIT1',
      after: {
        entries: 2,
        amount: '74.50',
        firstEntryRef: 'L1',
        lastEntryRef: 'L2',
        batch: { entries: 3, inserted: 3, duplicates: 0 },
      },
    });
    expect((await audit('?provider=netzme&accountNo=NETZAUDIT2')).total).toBe(1);
  });

  it('refuses to update, delete or truncate a record (append-only)', async () => {
    await expect(sql(`UPDATE audit_log SET note = 'rewritten'`)).rejects.toThrow(/append-only/);
    await expect(sql(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(sql(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    expect((await audit()).total).toBe(5);
  });

  it('shows the records on the discrepancy page and on the account page', async () => {
    const page = await (
      await fetch(`${url}/ui/discrepancies?status=resolved`, { headers: BASIC_AUTH })
    ).text();
    expect(page.match(/data-testid="audit-row"/g)).toHaveLength(2);
    expect(page).toContain('discrepancy.acknowledge');
    expect(page).toContain('asked NICEPay ops');
    expect(page).toContain('status: open');
    const account = await (
      await fetch(`${url}/ui/accounts/nicepay/NICEAUDIT1`, { headers: BASIC_AUTH })
    ).text();
    expect(account.match(/data-testid="audit-row"/g)).toHaveLength(3); // ack, resolve, ledger
    expect(account).toContain('ledger.entries.post');
    expect(account).toContain('/audit/export.csv?provider=nicepay&amp;accountNo=NICEAUDIT1');
  });

  it('exports the trail as CSV, oldest first, in batches, with formula cells defused', async () => {
    await appendAudit(
      db.dataSource,
      FORMULA_STARTS.map((c, i) => ({
        actor: { name: `${c}actor`, role: 'operator' },
        action: 'run.cancel' as const,
        subjectType: 'run' as const,
        subjectId: `8${i}`,
        note: `${c}SUM(1+1) note`,
      })),
    );
    await appendAudit(
      db.dataSource,
      Array.from({ length: 1200 }, (_, i) => ({
        actor: { name: 'bulk', role: 'operator' },
        action: 'run.start' as const,
        subjectType: 'run' as const,
        subjectId: `9${i}`,
      })),
    );
    const res = await fetch(`${url}/audit/export.csv`, { headers: BASIC_AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows: Record<string, string>[] = parse(await res.text(), { columns: true });
    expect(Object.keys(rows[0])).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(rows).toHaveLength(1211);
    const ids = rows.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(rows[0]).toMatchObject({
      action: 'discrepancy.acknowledge',
      before: '{"status":"open"}',
      note: 'asked NICEPay ops',
    });
    expect(rows[1].note).toBe(`'=HYPERLINK("x") fee booked late`);
    const cancels = rows.filter((r) => r.action === 'run.cancel');
    expect(cancels.map((r) => [r.actorName, r.note])).toEqual(
      FORMULA_STARTS.map((c) => [`'${c}actor`, `'${c}SUM(1+1) note`]),
    );
    const one = await fetch(`${url}/audit/export.csv?subjectType=discrepancy`, {
      headers: BASIC_AUTH,
    });
    expect(parse(await one.text(), { columns: true })).toHaveLength(2);
  });

  it('records a run cancelled through the API: who, role, when, jobs removed and results kept; nothing for a refused cancel', async () => {
    const started = await call('POST', '/runs', { provider: 'nicepay' });
    expect(started.status).toBe(202);
    const { runId } = started.json();
    // No worker: the run's one job is still waiting in its queue.
    const cancelled = await call('POST', `/runs/${runId}/cancel`, undefined, {
      'x-api-key': API_KEY,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json()).toMatchObject({ removedJobs: 1, resultsKept: 0 });
    const { items } = await audit(`?subjectType=run&subjectId=${runId}`);
    expect(items.map((r) => r.action)).toEqual(['run.cancel', 'run.start']);
    expect(items[0]).toMatchObject({
      actorName: 'api-key-1',
      actorRole: 'admin',
      subjectType: 'run',
      subjectId: runId,
      before: { status: 'running' },
      after: { status: 'cancelled', removedJobs: 1, resultsKept: 0 },
    });
    expect(Date.now() - Date.parse(items[0].at as string)).toBeLessThan(60_000);
    expect((await call('POST', `/runs/${runId}/cancel`)).status).toBe(409);
    expect((await audit(`?subjectType=run&subjectId=${runId}`)).total).toBe(2);
  });

  it('answers 400 naming a bad filter, and 401 without credentials', async () => {
    const bad = await call('GET', '/audit?subjectType=merchant');
    expect(bad.status).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'subjectType', value: '"merchant"' });
    expect((await call('GET', '/audit?provider=nicepay')).status).toBe(400);
    expect((await fetch(`${url}/audit/export.csv`)).status).toBe(401);
  });
});
