import { asUser, logLines, SecureApp, seedDiscrepancy, startSecureApp } from './app';

/**
 * Cross-site request forgery, tried per route and per content type over real HTTP: browsers
 * resend basic auth on cross-site form posts, so the producer must refuse what another site
 * can make a browser send. Every refused attempt must leave nothing behind (no run, no job).
 */
describe('cross-site protection', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  const runCount = async () =>
    Number((await s.db.dataSource.query(`SELECT count(*) AS n FROM reconciliation_runs`))[0].n);

  const UNSAFE_ROUTES: [string, string, string, string | undefined][] = [
    ['POST', '/runs', 'application/json', '{}'],
    ['POST', '/ledger/entries', 'application/json', '{"entries":[]}'],
    ['POST', '/discrepancies/1/acknowledge', 'application/json', '{"note":"x"}'],
    ['POST', '/discrepancies/1/resolve', 'application/json', '{"note":"x"}'],
    ['POST', '/ui/discrepancies/1/acknowledge', 'application/x-www-form-urlencoded', 'note=x'],
    ['POST', '/ui/discrepancies/1/resolve', 'application/x-www-form-urlencoded', 'note=x'],
    [
      'POST',
      '/queues/api/queues/reconciliation-schedule/add',
      'application/json',
      '{"name":"scheduled-run","data":{}}',
    ],
    ['PUT', '/queues/api/queues/balance-inquiry-netzme/retry/failed', 'application/json', '{}'],
    ['PUT', '/queues/api/queues/reconciliation-schedule/pause', 'application/json', '{}'],
  ];
  const CROSS_SITE: [string, Record<string, string>][] = [
    ['Origin of another site', { origin: 'https://evil.example' }],
    ['Origin null (a sandboxed or file page)', { origin: 'null' }],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
  ];

  describe.each(CROSS_SITE)('%s', (_what, signal) => {
    it.each(UNSAFE_ROUTES)(
      'refuses %s %s with an admin login: 403 problem document, nothing done',
      async (method, path, type, body) => {
        const runsBefore = await runCount();
        const res = await fetch(s.url + path, {
          method,
          headers: { ...asUser('admin'), 'content-type': type, ...signal },
          body,
        });
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await res.json()).toMatchObject({
          type: 'about:blank',
          title: 'Forbidden',
          status: 403,
          detail: expect.stringMatching(/^cross-site request refused/),
        });
        expect(await runCount()).toBe(runsBefore);
      },
    );
  });

  it('accepts the same request from this origin (Origin = this host, Sec-Fetch-Site same-origin)', async () => {
    const res = await fetch(`${s.url}/runs`, {
      method: 'POST',
      headers: {
        ...asUser('operator'),
        'content-type': 'application/json',
        origin: s.url,
        'sec-fetch-site': 'same-origin',
      },
      body: '{}',
    });
    expect(res.status).toBe(202);
  });

  it('behind a proxy: an Origin of the X-Forwarded-Host is this server only when TRUST_PROXY names the proxy', async () => {
    const post = (url: string) =>
      fetch(`${url}/runs`, {
        method: 'POST',
        headers: {
          ...asUser('operator'),
          'content-type': 'application/json',
          origin: 'https://recon.example',
          'sec-fetch-site': 'same-origin',
          // The proxy rewrote Host to its upstream (127.0.0.1:port) and says what it was.
          'x-forwarded-host': 'recon.example',
        },
        body: '{}',
      });
    // Not trusted (the default): a client could send the header itself.
    expect((await post(s.url)).status).toBe(403);
    const proxied = await startSecureApp({ TRUST_PROXY: 'loopback' });
    try {
      expect((await post(proxied.url)).status).toBe(202);
    } finally {
      await proxied.close();
    }
  });

  it.each([
    ['a form body', 'application/x-www-form-urlencoded', 'provider=netzme'],
    ['a text/plain body (what a form with enctype=text/plain sends)', 'text/plain', '{}'],
    ['a multipart body', 'multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
    ['no content type with a body', undefined, '{}'],
  ])(
    'refuses %s on POST /runs with 415 naming Content-Type, no run started',
    async (_what, type, body) => {
      const runsBefore = await runCount();
      const res = await fetch(`${s.url}/runs`, {
        method: 'POST',
        headers: { ...asUser('admin'), ...(type ? { 'content-type': type } : {}) },
        body: type ? body : new Blob([body]), // a Blob without a type sends no content type
      });
      expect(res.status).toBe(415);
      const problem = (await res.json()) as { errors: { field: string }[] };
      expect(problem.errors[0].field).toBe('Content-Type');
      expect(await runCount()).toBe(runsBefore);
    },
  );

  it.each([
    ['POST', '/ledger/entries'],
    ['POST', '/discrepancies/1/acknowledge'],
    ['POST', '/discrepancies/1/resolve'],
  ])('refuses a text/plain body on %s %s with 415', async (method, path) => {
    const res = await fetch(s.url + path, {
      method,
      headers: { ...asUser('admin'), 'content-type': 'text/plain' },
      body: '{"note":"x"}',
    });
    expect(res.status).toBe(415);
  });

  it('refuses an empty form post on POST /runs (what an empty cross-site form sends) with 415', async () => {
    const runsBefore = await runCount();
    const res = await fetch(`${s.url}/runs`, {
      method: 'POST',
      headers: { ...asUser('admin'), 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(res.status).toBe(415);
    expect(await runCount()).toBe(runsBefore);
  });

  it('lets a body-less write through with no type or a JSON type (Bull Board’s pause as admin)', async () => {
    const types: Record<string, string>[] = [{}, { 'content-type': 'application/json' }];
    for (const headers of types) {
      const res = await fetch(`${s.url}/queues/api/queues/balance-inquiry-finnet/pause`, {
        method: 'PUT',
        headers: { ...asUser('admin'), ...headers },
      });
      expect(res.status).toBe(200);
    }
    await fetch(`${s.url}/queues/api/queues/balance-inquiry-finnet/resume`, {
      method: 'PUT',
      headers: asUser('admin'),
    });
  });

  it('refuses a JSON body on a page form route with 415', async () => {
    const res = await fetch(`${s.url}/ui/discrepancies/1/acknowledge`, {
      method: 'POST',
      headers: { ...asUser('admin'), 'content-type': 'application/json' },
      body: '{"note":"x"}',
    });
    expect(res.status).toBe(415);
  });

  describe('CSRF tokens on the page forms', () => {
    let id: string;
    beforeAll(async () => {
      id = await seedDiscrepancy(s);
    });

    /** The page as `role` sees it: the forms' token and the cookie set beside it. */
    async function pageToken(role: 'admin' | 'operator') {
      const page = await fetch(`${s.url}/ui/discrepancies`, { headers: asUser(role) });
      expect(page.status).toBe(200);
      const setCookie = page.headers.get('set-cookie')!;
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Strict/i);
      const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
      return { cookie: setCookie.split(';')[0], token };
    }
    const post = (role: 'admin' | 'operator', headers: Record<string, string>, body: string) =>
      fetch(`${s.url}/ui/discrepancies/${id}/acknowledge`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          ...asUser(role),
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body,
      });
    const status = async () =>
      (await s.db.dataSource.query(`SELECT status FROM discrepancies WHERE id = $1`, [id]))[0]
        .status as string;

    it('refuses a form post without a token: 403 naming _csrf, nothing changed', async () => {
      const { cookie } = await pageToken('admin');
      const res = await post('admin', { cookie }, 'note=hello');
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ status: 403, errors: [{ field: '_csrf' }] });
      expect(await status()).toBe('open');
    });

    it('refuses a token sent without its cookie', async () => {
      const { token } = await pageToken('admin');
      const res = await post('admin', {}, `note=hello&_csrf=${encodeURIComponent(token)}`);
      expect(res.status).toBe(403);
      expect(await status()).toBe('open');
    });

    it('refuses a token and cookie made for another login', async () => {
      const { cookie, token } = await pageToken('admin');
      const res = await post(
        'operator',
        { cookie },
        `note=hello&_csrf=${encodeURIComponent(token)}`,
      );
      expect(res.status).toBe(403);
      expect(await status()).toBe('open');
    });

    it('accepts the page’s own token and cookie: 303 back to the page, acknowledged', async () => {
      const { cookie, token } = await pageToken('operator');
      const res = await post(
        'operator',
        { cookie, origin: s.url },
        `note=on+it&_csrf=${encodeURIComponent(token)}`,
      );
      expect(res.status).toBe(303);
      expect(await status()).toBe('acknowledged');
    });
  });

  it('logs no cross-site attempt as a failed login (they had valid credentials)', () => {
    expect(logLines(s.logs).filter((l) => l.msg === 'login failed')).toEqual([]);
  });
});
