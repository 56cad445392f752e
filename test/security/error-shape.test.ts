import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { queuePrefix } from '@app/infra';
import { balanceQueueName } from '@app/queue';
import { asKey, asUser, SecureApp, seedDiscrepancy, startSecureApp } from './app';

/**
 * One error shape: every 4xx/5xx of every kind of route (API, reports, pages, Bull Board, the
 * body parser, the authentication and cross-site middleware, unknown paths) is an RFC 9457
 * `application/problem+json` document whose `status` is the HTTP status; the pages render the
 * same content as HTML for a browser.
 */
describe('one error shape', () => {
  let s: SecureApp;
  let resolved: string;
  beforeAll(async () => {
    s = await startSecureApp();
    resolved = await seedDiscrepancy(s);
    await s.db.dataSource.query(`UPDATE discrepancies SET status = 'resolved' WHERE id = $1`, [
      resolved,
    ]);
    await s.db.dataSource.query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no) VALUES ('msec', 'netzme', 'LEDGER1')`,
    );
    const batch = {
      entries: [
        {
          provider: 'netzme',
          accountNo: 'LEDGER1',
          entryRef: 'r1',
          amount: '1.00',
          postedAt: '2026-11-21T10:00:00+07:00',
        },
      ],
    };
    const stored = await fetch(`${s.url}/ledger/entries`, {
      method: 'POST',
      headers: { ...asKey('operator'), 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(stored.status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  const json = { 'content-type': 'application/json' };
  const entry = (over: object) =>
    JSON.stringify({
      entries: [
        {
          provider: 'netzme',
          accountNo: 'LEDGER1',
          entryRef: 'r1',
          amount: '1.00',
          postedAt: '2026-11-21T10:00:00+07:00',
          ...over,
        },
      ],
    });

  // [what, method, path, headers, body, status]
  const CASES: [string, string, string, Record<string, string>, string | undefined, number][] = [
    ['no credentials', 'GET', '/runs', {}, undefined, 401],
    [
      'wrong credentials',
      'GET',
      '/runs',
      { 'x-api-key': 'wrong-key-0123456789abc' },
      undefined,
      401,
    ],
    ['a viewer starting a run', 'POST', '/runs', { ...asKey('viewer'), ...json }, '{}', 403],
    [
      'a cross-site post',
      'POST',
      '/runs',
      { ...asKey('operator'), ...json, origin: 'https://evil.example' },
      '{}',
      403,
    ],
    [
      'a text/plain body',
      'POST',
      '/runs',
      { ...asKey('operator'), 'content-type': 'text/plain' },
      '{}',
      415,
    ],
    ['bad JSON', 'POST', '/runs', { ...asKey('operator'), ...json }, '{"provider":', 400],
    [
      'a too-deep body',
      'POST',
      '/runs',
      { ...asKey('operator'), ...json },
      '['.repeat(50) + ']'.repeat(50),
      400,
    ],
    [
      'an unknown provider',
      'POST',
      '/runs',
      { ...asKey('operator'), ...json },
      '{"provider":"paypal"}',
      400,
    ],
    ['a bad run id', 'GET', '/runs/abc', asKey('viewer'), undefined, 400],
    ['an unknown run', 'GET', '/runs/987654321', asKey('viewer'), undefined, 404],
    [
      'a bad report format',
      'GET',
      '/runs/latest/report?format=xml',
      asKey('viewer'),
      undefined,
      400,
    ],
    ['an unknown run’s report', 'GET', '/runs/987654321/report', asKey('viewer'), undefined, 404],
    ['bad results paging', 'GET', '/runs/1/results?page=0', asKey('viewer'), undefined, 400],
    ['an unknown run’s CSV', 'GET', '/runs/987654321/results.csv', asKey('viewer'), undefined, 404],
    [
      'a bad account provider',
      'GET',
      '/accounts/paypal/X1/history',
      asKey('viewer'),
      undefined,
      400,
    ],
    [
      'an unknown account',
      'GET',
      '/accounts/netzme/NOPE1/history',
      asKey('viewer'),
      undefined,
      404,
    ],
    ['a bad daily window', 'GET', '/reports/daily?days=0', asKey('viewer'), undefined, 400],
    [
      'a malformed ledger entry',
      'POST',
      '/ledger/entries',
      { ...asKey('operator'), ...json },
      entry({ amount: 'x' }),
      400,
    ],
    [
      'an unknown ledger account',
      'POST',
      '/ledger/entries',
      { ...asKey('operator'), ...json },
      entry({ accountNo: 'NOPE1' }),
      422,
    ],
    [
      'a conflicting ledger entry',
      'POST',
      '/ledger/entries',
      { ...asKey('operator'), ...json },
      entry({ amount: '2.00' }),
      409,
    ],
    ['a bad discrepancy id', 'GET', '/discrepancies/abc', asKey('viewer'), undefined, 400],
    ['an unknown discrepancy', 'GET', '/discrepancies/987654321', asKey('viewer'), undefined, 404],
    ['bad discrepancy paging', 'GET', '/discrepancies?page=1e300', asKey('viewer'), undefined, 400],
    [
      'an empty note',
      'POST',
      '/discrepancies/1/acknowledge',
      { ...asKey('operator'), ...json },
      '{"note":""}',
      400,
    ],
    [
      'acknowledging a resolved one',
      'POST',
      '/discrepancies/{resolved}/acknowledge',
      { ...asKey('operator'), ...json },
      '{"note":"x"}',
      409,
    ],
    ['a page with a bad parameter', 'GET', '/?run=latest', asKey('viewer'), undefined, 400],
    [
      'a page form without a token',
      'POST',
      '/ui/discrepancies/1/acknowledge',
      { ...asKey('operator'), 'content-type': 'application/x-www-form-urlencoded' },
      'note=x',
      403,
    ],
    ['an unknown path', 'GET', '/no-such-thing', asKey('viewer'), undefined, 404],
    [
      'an unknown Bull Board queue',
      'GET',
      '/queues/api/queues/no-such-queue/job/1',
      asKey('admin'),
      undefined,
      404,
    ],
    [
      'a Bull Board write as operator',
      'PUT',
      '/queues/api/queues/balance-inquiry-netzme/pause',
      { ...asKey('operator'), ...json },
      '{}',
      403,
    ],
  ];

  it.each(CASES)(
    '%s (%s %s): an RFC 9457 problem document',
    async (_what, method, path, headers, body, status) => {
      const res = await fetch(s.url + path.replace('{resolved}', resolved), {
        method,
        headers,
        body,
      });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as Record<string, unknown>;
      expect(problem).toMatchObject({ type: 'about:blank', title: expect.any(String), status });
      expect(
        Object.keys(problem).every((k) =>
          ['type', 'title', 'status', 'detail', 'instance', 'errors'].includes(k),
        ),
      ).toBe(true);
      if (problem.errors)
        for (const e of problem.errors as Record<string, unknown>[])
          expect(e).toMatchObject({ field: expect.any(String), reason: expect.any(String) });
    },
  );

  it('keeps a failed health check’s details as extension members of its 503 problem', async () => {
    // A job that has waited 10 s on a queue no worker serves here: over a 1 s lag limit.
    const lagging = await startSecureApp({ HEALTH_MAX_QUEUE_LAG_SECONDS: '1' });
    const connection = new IORedis(lagging.config.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(balanceQueueName('netzme'), {
      connection,
      prefix: queuePrefix(lagging.config),
    });
    try {
      await queue.add('balance-inquiry', {}, { timestamp: Date.now() - 10_000 });
      const res = await fetch(`${lagging.url}/health`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        error: { queues: { status: 'down', maxLagSeconds: 1 } },
        details: { postgres: { status: 'up' }, redis: { status: 'up' } },
      });
    } finally {
      await queue.close();
      connection.disconnect();
      await lagging.close();
    }
  });

  it('renders the same problem as a page for a browser: status, detail and each bad field', async () => {
    const res = await fetch(`${s.url}/ui/accounts/paypal/X1`, {
      headers: { ...asUser('viewer'), accept: 'text/html,application/xhtml+xml' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<h1>400 Bad Request</h1>');
    expect(html).toContain('invalid path parameters');
    expect(html).toMatch(/<td>provider<\/td><td><code>&quot;paypal&quot;<\/code><\/td>/);
  });

  it('the discrepancy page refuses a status it does not know with a 400 page naming it (not the active list)', async () => {
    const res = await fetch(`${s.url}/ui/discrepancies?status=bogus`, {
      headers: { ...asUser('viewer'), accept: 'text/html' },
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('invalid query parameters');
    expect(html).toMatch(/<td>status<\/td><td><code>&quot;bogus&quot;<\/code><\/td>/);
  });

  it('every page refuses a query parameter it does not take, naming it (the discrepancy page alone ignored one)', async () => {
    for (const path of ['/ui/discrepancies?stauts=open', '/?stauts=open']) {
      const res = await fetch(`${s.url}${path}`, {
        headers: { ...asUser('viewer'), accept: 'text/html' },
      });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('invalid query parameters');
      expect(html).toMatch(/<td>stauts<\/td><td><code>&quot;open&quot;<\/code><\/td>/);
    }
  });

  /** An operator's browser posting the acknowledge form of discrepancy 1 with `body`. */
  const postAcknowledgeForm = (body: string) =>
    fetch(`${s.url}/ui/discrepancies/1/acknowledge`, {
      method: 'POST',
      headers: {
        ...asUser('operator'),
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    });

  it('refuses a page form whose note is not UTF-8 once decoded (Latin-1 %E9), naming the field, before anything is changed', async () => {
    const res = await postAcknowledgeForm('note=caf%E9');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/<td>\(body\)<\/td><td><code>field &quot;note&quot;<\/code><\/td>/);
    expect(html).toContain('is not UTF-8 text once its %-escapes are decoded');
  });

  it('renders a refused page form as a page too (a browser posting a form gets HTML)', async () => {
    const res = await postAcknowledgeForm('note=x');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<h1>403 Forbidden</h1>');
  });
});
