import { asKey, asUser, RoleName, SecureApp, seedDiscrepancy, startSecureApp } from './app';

/**
 * Roles per route over real HTTP, for basic-auth users and API keys alike: `viewer` reads
 * (reports, pages, Bull Board read-only), `operator` also acknowledges/resolves, starts runs
 * and sends ledger batches, `admin` also uses Bull Board's write actions.
 */
describe('roles', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  const call = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    fetch(s.url + path, {
      method,
      headers: {
        ...headers,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body,
    });

  describe.each([
    ['basic auth', asUser],
    ['API key', asKey],
  ])('as %s', (_scheme, as: (role: RoleName) => Record<string, string>) => {
    it.each([
      ['GET', '/runs'],
      ['GET', '/discrepancies'],
      ['GET', '/ui/discrepancies'],
      ['GET', '/'],
      ['GET', '/metrics'],
      ['GET', '/docs-json'],
      ['GET', '/queues'],
      ['GET', '/queues/api/queues'],
    ])('lets every role read %s %s', async (method, path) => {
      for (const role of ['viewer', 'operator', 'admin'] as const)
        expect([role, (await call(method, path, as(role))).status]).toEqual([role, 200]);
    });

    it('refuses a viewer every write: start a run, acknowledge, resolve, a ledger batch (403, nothing done)', async () => {
      const id = await seedDiscrepancy(s);
      const writes: [string, string][] = [
        ['/runs', '{}'],
        [`/discrepancies/${id}/acknowledge`, '{"note":"x"}'],
        [`/discrepancies/${id}/resolve`, '{"note":"x"}'],
        ['/ledger/entries', '{"entries":[]}'],
      ];
      for (const [path, body] of writes) {
        const res = await call('POST', path, as('viewer'), body);
        expect([path, res.status]).toEqual([path, 403]);
        expect(await res.json()).toMatchObject({
          title: 'Forbidden',
          detail: expect.stringMatching(/needs the operator role; \S+ is viewer$/),
        });
      }
      expect(
        (await s.db.dataSource.query(`SELECT status FROM discrepancies WHERE id = $1`, [id]))[0],
      ).toEqual({ status: 'open' });
    });

    it('lets an operator start a run, acknowledge and resolve', async () => {
      const id = await seedDiscrepancy(s);
      expect((await call('POST', '/runs', as('operator'), '{}')).status).toBe(202);
      const ack = await call(
        'POST',
        `/discrepancies/${id}/acknowledge`,
        as('operator'),
        '{"note":"on it"}',
      );
      expect(ack.status).toBe(200);
      expect(
        (await call('POST', `/discrepancies/${id}/resolve`, as('operator'), '{"note":"ok"}'))
          .status,
      ).toBe(200);
    });

    const boardQueues = async () =>
      (
        (await (await call('GET', '/queues/api/queues', as('admin'))).json()) as {
          queues: { name: string; counts: Record<string, number>; isPaused: boolean }[];
        }
      ).queues;

    it.each([
      [
        'POST',
        '/queues/api/queues/reconciliation-schedule/add',
        '{"name":"scheduled-run","data":{}}',
      ],
      ['PUT', '/queues/api/queues/balance-inquiry-netzme/pause', '{}'],
      ['PUT', '/queues/api/queues/balance-inquiry-netzme/retry/failed', '{}'],
      ['PUT', '/queues/api/queues/balance-inquiry-netzme/clean/completed', '{}'],
      ['PUT', '/QUEUES/api/queues/balance-inquiry-netzme/obliterate', '{}'],
      ['DELETE', '/queues/api/queues/balance-inquiry-netzme/empty', undefined],
    ])(
      'keeps Bull Board read-only for viewer and operator: %s %s is 403, and no job is added',
      async (method, path, body) => {
        const before = await boardQueues();
        for (const role of ['viewer', 'operator'] as const) {
          const res = await call(method, path, as(role), body);
          expect([role, res.status]).toEqual([role, 403]);
          expect(((await res.json()) as { detail: string }).detail).toBe(
            `Bull Board is read-only for the ${role} role; writes need admin`,
          );
        }
        // The same jobs as before (the retention schedule keeps one delayed job there).
        const queues = await boardQueues();
        const jobs = (q: typeof queues, name: string) => q.find((x) => x.name === name)!.counts;
        expect(jobs(queues, 'reconciliation-schedule')).toEqual(
          jobs(before, 'reconciliation-schedule'),
        );
        expect(jobs(queues, 'balance-inquiry-netzme')).toEqual(
          jobs(before, 'balance-inquiry-netzme'),
        );
        expect(queues.find((q) => q.name === 'balance-inquiry-netzme')!.isPaused).toBe(false);
      },
    );

    it('shows Bull Board read-only (no write buttons) to viewer and operator, writable to admin', async () => {
      const modes = async (role: RoleName) =>
        (
          (await (await call('GET', '/queues/api/queues', as(role))).json()) as {
            queues: { readOnlyMode: boolean; allowRetries: boolean }[];
          }
        ).queues.map((q) => [q.readOnlyMode, q.allowRetries]);
      for (const role of ['viewer', 'operator'] as const)
        expect(new Set((await modes(role)).map(String))).toEqual(new Set(['true,false']));
      expect(new Set((await modes('admin')).map((m) => String(m[0])))).toEqual(new Set(['false']));
    });

    it('refuses a Bull Board page of more than 500 jobs to every role (a viewer could have the producer read every kept job into one answer): 400 naming jobsPerPage and the value', async () => {
      for (const role of ['viewer', 'admin'] as const) {
        for (const jobsPerPage of ['1000000', '501', '0', 'abc']) {
          const res = await call(
            'GET',
            `/queues/api/queues?activeQueue=balance-inquiry-netzme&status=completed&jobsPerPage=${jobsPerPage}`,
            as(role),
          );
          expect(res.status).toBe(400);
          expect(((await res.json()) as { errors: unknown }).errors).toEqual([
            {
              field: 'jobsPerPage',
              value: JSON.stringify(jobsPerPage),
              reason: 'must be a whole number from 1 to 500',
            },
          ]);
        }
      }
      const fine = await call(
        'GET',
        '/queues/api/queues?activeQueue=balance-inquiry-netzme&status=completed&jobsPerPage=500',
        as('viewer'),
      );
      expect(fine.status).toBe(200);
    });

    it('lets an admin use a Bull Board write action (pause and resume a queue), each recorded in the audit trail under the admin (they were not recorded)', async () => {
      const records = async () =>
        (await s.db.dataSource.query(
          `SELECT actor_name, actor_role, action, subject_type, subject_id, after
             FROM audit_log WHERE action = 'queues.change' ORDER BY id`,
        )) as Record<string, unknown>[];
      const before = (await records()).length;
      const pause = await call(
        'PUT',
        '/queues/api/queues/balance-inquiry-finnet/pause',
        as('admin'),
        '{}',
      );
      expect(pause.status).toBe(200);
      const resume = await call(
        'PUT',
        '/queues/api/queues/balance-inquiry-finnet/resume',
        as('admin'),
        '{}',
      );
      expect(resume.status).toBe(200);
      // Recorded once the answer is sent: wait for both.
      for (let i = 0; i < 50 && (await records()).length < before + 2; i++)
        await new Promise((r) => setTimeout(r, 50));
      const recorded = (await records()).slice(before);
      expect(recorded.map((r) => [r.action, r.subject_type, r.subject_id, r.after])).toEqual([
        [
          'queues.change',
          'queue',
          'balance-inquiry-finnet',
          { method: 'PUT', path: '/api/queues/balance-inquiry-finnet/pause' },
        ],
        [
          'queues.change',
          'queue',
          'balance-inquiry-finnet',
          { method: 'PUT', path: '/api/queues/balance-inquiry-finnet/resume' },
        ],
      ]);
      expect(new Set(recorded.map((r) => r.actor_role))).toEqual(new Set(['admin']));
    });

    it.each([
      ['POST', '/queues/api/queues/discrepancy-webhooks/add'],
      ['PATCH', '/queues/api/queues/discrepancy-webhooks/1/update-data'],
      ['PUT', '/queues/api/queues/discrepancy-webhooks/rate-limit'],
      ['PUT', '/queues/api/queues/discrepancy-webhooks/concurrency'],
      ['PATCH', '/queues/api/queues/discrepancy-webhooks/job-schedulers/x'],
      ['PUT', '/QUEUES/api/queues/discrepancy-webhooks/ADD/'],
    ])(
      'refuses even an admin %s %s: no job made or edited by hand (a forged alert was signed and sent as ours), no rate limit, concurrency or schedule set here',
      async (method, path) => {
        const before = await boardQueues();
        const res = await call(
          method,
          path,
          as('admin'),
          '{"name":"alert-webhook","data":{"body":"forged"}}',
        );
        expect(res.status).toBe(403);
        expect(((await res.json()) as { detail: string }).detail).toMatch(
          /^Bull Board here only pauses, resumes, retries, cleans, promotes, empties and obliterates/,
        );
        const jobs = (q: typeof before) => q.find((x) => x.name === 'discrepancy-webhooks')!.counts;
        expect(jobs(await boardQueues())).toEqual(jobs(before));
      },
    );
  });

  it('shows a viewer the discrepancies without acknowledge or resolve forms, saying why; an operator gets them', async () => {
    const id = await seedDiscrepancy(s);
    const forms = (html: string) =>
      html.match(new RegExp(`action="/ui/discrepancies/${id}/(acknowledge|resolve)"`, 'g')) ?? [];
    const viewer = await (
      await fetch(`${s.url}/ui/discrepancies`, { headers: asUser('viewer') })
    ).text();
    expect(viewer).toContain(`data-discrepancy="${id}"`);
    expect(forms(viewer)).toEqual([]);
    expect(viewer).toMatch(/Read only: your role \(viewer\) cannot acknowledge or resolve/);
    const operator = await (
      await fetch(`${s.url}/ui/discrepancies`, { headers: asUser('operator') })
    ).text();
    expect(forms(operator)).toHaveLength(2);
    expect(operator).not.toContain('Read only');
  });

  it('refuses a viewer the page’s acknowledge form too (403 after a valid CSRF token)', async () => {
    const id = await seedDiscrepancy(s);
    const page = await fetch(`${s.url}/ui/discrepancies`, { headers: asUser('viewer') });
    // The viewer's page has no form, but sets its CSRF cookie: the token is the cookie's value.
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    const token = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
    const res = await fetch(`${s.url}/ui/discrepancies/${id}/acknowledge`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        ...asUser('viewer'),
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `note=x&_csrf=${encodeURIComponent(token)}`,
    });
    expect(res.status).toBe(403);
    // Refused for the role, not for the token.
    expect(((await res.json()) as { detail: string }).detail).toMatch(
      /needs the operator role; \S+ is viewer$/,
    );
    // Without a token too: told of the role (it was told to reload the page for a token).
    const bare = await fetch(`${s.url}/ui/discrepancies/${id}/resolve`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...asUser('viewer'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'note=x',
    });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { detail: string }).detail).toMatch(
      /^POST \/ui\/discrepancies\/\d+\/resolve needs the operator role; \S+ is viewer$/,
    );
  });
});
