import { connect, Socket } from 'node:net';
import { maxHeaderSize, type Server } from 'node:http';
import { ConfigError, isProduction, loadConfig } from '@app/config';
import IORedis from 'ioredis';
import { AppMetrics, createLogger } from '@app/infra';
import { createProducerApp } from '../../apps/producer/src/producer-app';
import { LogCapture } from '../support/log-capture';
import {
  assertApiCredentials,
  CredentialsCheck,
} from '../../apps/producer/src/auth/credentials-check';
import { ExportSlots } from '../../apps/producer/src/http/export-slots';
import { startMetricsServer } from '../../apps/worker/src/metrics-server';
import type { Readiness } from '@app/ledger';
import { asKey, asUser, basic, KEYS, logLines, PASSWORDS, SecureApp, startSecureApp } from './app';

const DEV = 'snap-recon-dev';

/** Production settings: what starts, what is refused, and what a forgotten NODE_ENV means. */
describe('production hardening: configuration', () => {
  /** The problems of the ConfigError `env` raises; a secret's value is never among them. */
  const problems = (env: NodeJS.ProcessEnv, secret: string) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).not.toContain(secret);
    return (error as ConfigError).problems;
  };

  it('treats a missing NODE_ENV as production, and refuses values other than development/production', () => {
    expect(loadConfig({}).NODE_ENV).toBe('production');
    expect(isProduction(loadConfig({}))).toBe(true);
    expect(() => loadConfig({ NODE_ENV: 'test' })).toThrow(/NODE_ENV="test"/);
    expect(() => assertApiCredentials(loadConfig({}))).toThrow(/required in production/);
  });

  it.each([
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
    ['NODE_ENV unset', {}],
  ])('refuses the development password in production (%s)', (_what, env) => {
    expect(problems({ ...env, BASIC_AUTH_PASSWORD: DEV }, DEV)).toEqual([
      'BASIC_AUTH_PASSWORD=(secret, not shown): the development password is refused in production',
    ]);
  });

  it.each(['x', 'fifteen-chars!!'])('refuses a %j password in production', (password) => {
    expect(problems({ BASIC_AUTH_PASSWORD: password }, password)).toEqual([
      'BASIC_AUTH_PASSWORD=(secret, not shown): needs at least 16 characters in production',
    ]);
    expect(problems({ BASIC_AUTH_USERS: `otto:operator:${password}` }, password)).toEqual([
      'BASIC_AUTH_USERS (otto)=(secret, not shown): needs at least 16 characters in production',
    ]);
  });

  it('refuses an API key under 16 characters everywhere', () => {
    expect(
      problems({ API_KEYS: 'op:operator:short-key', NODE_ENV: 'development' }, 'short-key'),
    ).toEqual(['API_KEYS=(secret, not shown): entry 1: the key needs at least 16 characters']);
  });

  it('starts in production with a 16-character password, and with roles per key and user', () => {
    const config = loadConfig({
      BASIC_AUTH_PASSWORD: 'sixteen-chars!!!',
      API_KEYS: `ci:viewer:${KEYS.viewer},${KEYS.admin}`,
      BASIC_AUTH_USERS: `otto:operator:${PASSWORDS.operator}`,
    });
    expect(() => assertApiCredentials(config)).not.toThrow();
    expect(config.API_KEYS.map((k) => [k.name, k.role])).toEqual([
      ['ci', 'viewer'],
      ['api-key-2', 'admin'],
    ]);
  });

  it('never accepts the development password without NODE_ENV=development, even beside API keys', () => {
    const production = new CredentialsCheck(loadConfig({ API_KEYS: KEYS.admin }));
    expect(production.actor(basic('admin', DEV))).toBeUndefined();
    const development = new CredentialsCheck(
      loadConfig({ API_KEYS: KEYS.admin, NODE_ENV: 'development' }),
    );
    expect(development.actor(basic('admin', DEV))).toEqual({ name: 'admin', role: 'admin' });
  });

  it('listens on loopback for the worker’s metrics unless told otherwise', async () => {
    expect(loadConfig({}).WORKER_METRICS_HOST).toBe('127.0.0.1');
    expect(loadConfig({}).HOST).toBe('0.0.0.0');
    const server: Server = await startMetricsServer(
      new AppMetrics('worker'),
      0,
      async () => ({}) as Readiness,
    );
    try {
      expect((server.address() as { address: string }).address).toBe('127.0.0.1');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('production hardening: HTTP', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each([
    '/DOCS-JSON',
    '/Docs-Json',
    '/docs-JSON',
    '/DOCS',
    '/Docs/',
    '/DOCS-YAML',
    '/docs-json',
  ])(
    'guards %s whatever the letter case: 401 without credentials, the document with them',
    async (path) => {
      const bare = await fetch(s.url + path);
      expect(bare.status).toBe(401);
      expect(await bare.text()).not.toContain('openapi');
      const withKey = await fetch(s.url + path, { headers: asKey('viewer') });
      expect(withKey.status).toBe(200);
    },
  );

  /** Sends headers and `partial` of a declared `length`-byte body, then waits for any answer. */
  function answerBeforeBody(headers: string[], partial: string, length: number) {
    return new Promise<string>((resolve, reject) => {
      const { port } = new URL(s.url);
      const socket: Socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(answer);
      }, 10_000);
      socket.on('data', (d) => {
        answer += d.toString();
        if (answer.includes('\r\n\r\n')) {
          clearTimeout(timer);
          socket.destroy();
          resolve(answer);
        }
      });
      socket.on('error', reject);
      socket.write(
        [
          'POST /ledger/entries HTTP/1.1',
          `Host: 127.0.0.1:${port}`,
          'Content-Type: application/json',
          `Content-Length: ${length}`,
          ...headers,
          '',
          partial,
        ].join('\r\n'),
      );
    });
  }

  it('checks credentials before reading a body: an unauthenticated 5 MB nested body is refused after 1 KB', async () => {
    const answer = await answerBeforeBody([], '['.repeat(1024), 5_000_000);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('reads the body of an authenticated request (the same start of a body is not answered before it is whole)', async () => {
    const answer = await answerBeforeBody(
      [`X-API-Key: ${KEYS.operator}`],
      '['.repeat(1024),
      5_000_000,
    );
    expect(answer).toBe('');
  });

  it('accepts the largest legitimate body: 10,000 entries with every field at its longest', async () => {
    const accountNo = 'A'.repeat(64);
    await s.db.dataSource.query(
      `INSERT INTO merchants (id, name) VALUES ('mbig', 'mbig') ON CONFLICT DO NOTHING`,
    );
    await s.db.dataSource.query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no) VALUES ('mbig', 'nicepay', $1)`,
      [accountNo],
    );
    const entries = Array.from({ length: 10_000 }, (_, i) => ({
      provider: 'nicepay',
      accountNo,
      entryRef: `${i}`.padStart(5, '0') + '\u{1F600}'.repeat(123),
      // Alternating signs: ten thousand of the largest amount of one sign overflow the
      // account's bigint sum (a 400 naming the database's refusal; see docs/RELIABILITY.md).
      amount: `${i % 2 ? '-' : ''}${'9'.repeat(16)}.99`,
      postedAt: '2026-11-21T10:00:00.123+07:00',
    }));
    const body = JSON.stringify({ entries });
    const res = await fetch(`${s.url}/ledger/entries`, {
      method: 'POST',
      headers: { ...asKey('operator'), 'content-type': 'application/json' },
      body,
    });
    expect([res.status, await res.text()]).toEqual([
      200,
      JSON.stringify({ inserted: 10_000, duplicates: 0 }),
    ]);
  }, 60_000);

  describe('security headers on every response', () => {
    let runId: string;
    beforeAll(async () => {
      const res = await fetch(`${s.url}/runs`, {
        method: 'POST',
        headers: { ...asKey('operator'), 'content-type': 'application/json' },
        body: '{}',
      });
      runId = ((await res.json()) as { runId: string }).runId;
    });

    it.each([
      '/ui/discrepancies',
      '/',
      '/discrepancies',
      '/runs/{run}',
      '/runs/{run}/report',
      '/runs/{run}/report?format=csv',
      '/runs/{run}/results.csv',
      '/runs/987654321',
      '/no-such-route',
      '/health',
      '/queues',
      '/docs-json',
    ])(
      '%s: CSP with frame-ancestors none, nosniff, DENY, no-store, no X-Powered-By',
      async (path) => {
        const res = await fetch(s.url + path.replace('{run}', runId), { headers: asKey('viewer') });
        expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(res.headers.get('cache-control')).toMatch(/\bno-store\b/);
        expect(res.headers.get('x-powered-by')).toBeNull();
        await res.arrayBuffer();
      },
    );
  });
});

describe('slow clients', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Writes `text` and then nothing; what the server answers (or '' if it closes silently). */
  function stall(text: string) {
    return new Promise<{ answer: string; closed: boolean }>((resolve) => {
      const { port } = new URL(s.url);
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      // Far beyond the 1 s timeouts (checked every second), far below Node's old 300 s.
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ answer, closed: false });
      }, 20_000);
      socket.on('data', (d) => (answer += d.toString()));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ answer, closed: true });
      });
      socket.on('error', () => undefined);
      socket.write(text.replace('{port}', port));
    });
  }

  /** The problem document of a raw HTTP answer. */
  const problemOf = (answer: string) => {
    expect(answer).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
    return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
  };

  it('closes a request whose body stalls after the headers: 408, the socket freed', async () => {
    const result = await stall(
      `POST /ledger/entries HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-Key: ${KEYS.operator}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"entries":[',
    );
    expect(result.closed).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('closes a request whose headers stall: 408, the socket freed', async () => {
    const result = await stall(`GET /runs HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Api`);
    expect(result.closed).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(problemOf(result.answer)).toMatchObject({
      status: 408,
      errors: [{ field: '(request)', reason: expect.stringContaining('HTTP_REQUEST_TIMEOUT_MS') }],
    });
  }, 30_000);

  it("answers headers over Node's size limit with 431 and a problem document, as every 4xx (a tester saw an empty body)", async () => {
    const result = await stall(
      `GET /runs HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Padding: ${'x'.repeat(20_000)}\r\n\r\n`,
    );
    expect(result.closed).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(problemOf(result.answer)).toEqual({
      type: 'about:blank',
      title: 'Request Header Fields Too Large',
      status: 431,
      detail: 'request header fields too large',
      errors: [
        {
          field: '(headers)',
          value: null,
          reason: `are larger than the server's limit of ${maxHeaderSize} bytes in all`,
        },
      ],
    });
  });

  it('frees the socket of a timed-out request whose client never closes its side (each held one for good)', async () => {
    const server = s.app.getHttpServer() as Server;
    const open = () =>
      new Promise<number>((done, fail) => server.getConnections((e, n) => (e ? fail(e) : done(n))));
    const before = await open();
    const { port } = new URL(s.url);
    const clients = Array.from({ length: 5 }, () => {
      const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true });
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      socket.write('GET /runs HTTP/1.1\r\nHost: x\r\n');
      return socket;
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(await open()).toBe(before + 5);
      // Past the 1 s timeouts, checked every second.
      const deadline = Date.now() + 10_000;
      while ((await open()) > before && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(await open()).toBe(before);
    } finally {
      for (const c of clients) c.destroy();
    }
  }, 30_000);

  it('answers a request that is not HTTP with 400 and a problem document', async () => {
    const result = await stall('NOT HTTP AT ALL\r\n\r\n');
    expect(result.closed).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(problemOf(result.answer)).toMatchObject({
      status: 400,
      errors: [{ field: '(request)', reason: 'is not a valid HTTP/1.1 request' }],
    });
  });
});

describe('failed logins', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp({ AUTH_FAILURES_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('logs each failure without the secret and refuses the client with 429 after the limit, even with the right password', async () => {
    const wrong = ['guess-one-xxxxxxxx', 'guess-two-xxxxxxxx'];
    expect((await fetch(`${s.url}/runs`, { headers: basic('ada', wrong[0]) })).status).toBe(401);
    expect((await fetch(`${s.url}/runs`, { headers: basic('ada', wrong[1]) })).status).toBe(401);
    expect((await fetch(`${s.url}/runs`, { headers: basic('not-a-user', wrong[0]) })).status).toBe(
      401,
    );
    const blocked = await fetch(`${s.url}/runs`, { headers: asUser('admin') });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    const lines = logLines(s.logs);
    const failures = lines.filter((l) => l.msg === 'login failed');
    expect(failures.map((l) => [l.user, l.failuresThisMinute, l.level])).toEqual([
      ['ada', 1, 40],
      ['ada', 2, 40],
      [undefined, 3, 40],
    ]);
    expect(failures[0]).toMatchObject({ client: expect.any(String), path: '/runs' });
    expect(lines.some((l) => l.msg === 'login refused: too many failures')).toBe(true);
    const text = s.logs.lines.join('\n');
    for (const secret of [...wrong, 'not-a-user', PASSWORDS.admin])
      expect(text).not.toContain(secret);
  });

  it('wrong passwords sent in parallel are counted as they arrive: 5 of 20 are tried (401), 15 refused (429), then the right one too', async () => {
    const own = await startSecureApp({ AUTH_FAILURES_PER_MINUTE: '5' });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`${own.url}/runs`, { headers: basic('ada', `parallel-guess-${i}-xxxxxxxx`) }).then(
            async (res) => {
              await res.arrayBuffer();
              return res.status;
            },
          ),
        ),
      );
      // Reading the count before counting let all 20 pass the check: 20 times 401.
      expect(statuses.filter((st) => st === 401)).toHaveLength(5);
      expect(statuses.filter((st) => st === 429)).toHaveLength(15);
      expect((await fetch(`${own.url}/runs`, { headers: asUser('admin') })).status).toBe(429);
    } finally {
      await own.close();
    }
  });

  it('a second producer process on the same Redis refuses a client that failed at the first: the failures are counted in Redis, not per process', async () => {
    const first = await startSecureApp({ AUTH_FAILURES_PER_MINUTE: '2' });
    const redis = new IORedis(first.config.REDIS_URL);
    let replica: Awaited<ReturnType<typeof createProducerApp>> | undefined;
    try {
      replica = await createProducerApp(
        first.config,
        createLogger(first.config, 'producer', new LogCapture()),
      );
      await replica.listen(0, '127.0.0.1');
      const replicaUrl = (await replica.getUrl()).replace('[::1]', '127.0.0.1');
      // The replica lets the right password in before any failure.
      expect((await fetch(`${replicaUrl}/runs`, { headers: asUser('admin') })).status).toBe(200);
      for (const guess of ['guess-one-xxxxxxxx', 'guess-two-xxxxxxxx'])
        expect((await fetch(`${first.url}/runs`, { headers: basic('ada', guess) })).status).toBe(
          401,
        );
      const blocked = await fetch(`${replicaUrl}/runs`, { headers: asUser('admin') });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      // One counter, under the deployment's prefix (removed with it).
      expect(await redis.keys(`${first.config.QUEUE_PREFIX}:login-failures*`)).toHaveLength(1);
    } finally {
      redis.disconnect();
      await replica?.close();
      await first.close();
    }
  });
});

describe('a published example password', () => {
  it('the producer starts with it and logs a warning naming the setting, never the password', async () => {
    const s = await startSecureApp({ BASIC_AUTH_PASSWORD: 'local-compose-password' });
    try {
      const warnings = logLines(s.logs).filter((l) => l.level === 40);
      expect(warnings.map((l) => l.msg)).toContain(
        'BASIC_AUTH_PASSWORD is an example published in this repository (.env.example or docker-compose.yml): anyone can read it; set your own',
      );
      expect(s.logs.lines.join('\n')).not.toContain('local-compose-password');
    } finally {
      await s.close();
    }
  });
});

describe('failed logins behind a load balancer (TRUST_PROXY)', () => {
  const forwardedFor = (address: string, headers: Record<string, string>) => ({
    ...headers,
    'x-forwarded-for': address,
  });
  const guess = basic('ada', 'guess-one-xxxxxxxx');

  it('with TRUST_PROXY naming the balancer: one client locked out, another behind the same balancer still gets in', async () => {
    // The test client connects from loopback: it plays the balancer.
    const s = await startSecureApp({ AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
    try {
      for (let i = 0; i < 2; i++)
        expect(
          (await fetch(`${s.url}/runs`, { headers: forwardedFor('203.0.113.7', guess) })).status,
        ).toBe(401);
      const attacker = await fetch(`${s.url}/runs`, {
        headers: forwardedFor('203.0.113.7', asUser('admin')),
      });
      expect(attacker.status).toBe(429);
      const other = await fetch(`${s.url}/runs`, {
        headers: forwardedFor('198.51.100.20', asUser('admin')),
      });
      expect(other.status).toBe(200);
      const failed = logLines(s.logs).filter((l) => l.msg === 'login failed');
      expect(failed.map((l) => l.client)).toEqual(['203.0.113.7', '203.0.113.7']);
    } finally {
      await s.close();
    }
  });

  it('without TRUST_PROXY an X-Forwarded-For header is not believed: a guesser cannot dodge the count by changing it', async () => {
    const s = await startSecureApp({ AUTH_FAILURES_PER_MINUTE: '2' });
    try {
      for (const address of ['203.0.113.7', '203.0.113.8'])
        expect(
          (await fetch(`${s.url}/runs`, { headers: forwardedFor(address, guess) })).status,
        ).toBe(401);
      const next = await fetch(`${s.url}/runs`, {
        headers: forwardedFor('203.0.113.9', asUser('admin')),
      });
      expect(next.status).toBe(429);
    } finally {
      await s.close();
    }
  });

  it('a TRUST_PROXY that is neither a hop count nor addresses is refused at start, naming it and the value', () => {
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33,loopback' })).toThrow(
      /TRUST_PROXY="10\.0\.0\.0\/33,loopback": invalid range on address: 10\.0\.0\.0\/33: must be a hop count/,
    );
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      'loopback',
    ]);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
  });
});

describe('unexpected errors', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers a problem document and logs one redacted JSON line through pino, nothing on the console', async () => {
    // A database failure no input can cause: the table is gone (this test's own schema).
    await s.db.dataSource.query(`DROP TABLE discrepancies`);
    const written: string[] = [];
    const spies = [process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
        written.push(String(chunk));
        return true;
      }),
    );
    let res: Response;
    try {
      res = await fetch(`${s.url}/discrepancies?status=open`, {
        headers: { ...asKey('admin'), authorization: basic('ada', PASSWORDS.admin).authorization },
      });
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'an unexpected error; it is logged',
    });
    expect(written).toEqual([]); // Nest's console logger printed the error, coloured, before
    const failed = logLines(s.logs).filter((l) => l.msg === 'request failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      level: 50,
      method: 'GET',
      path: '/discrepancies',
      actor: 'akey',
      err: { name: 'QueryFailedError', code: '42P01' },
    });
    expect(failed[0].err).not.toHaveProperty('parameters');
    expect(failed[0].err).not.toHaveProperty('query');
    const text = s.logs.lines.join('\n');
    for (const secret of [KEYS.admin, PASSWORDS.admin]) expect(text).not.toContain(secret);
  });
});

describe('export concurrency', () => {
  let s: SecureApp;
  let runId: string;
  const RESULTS = 60_000;
  beforeAll(async () => {
    // An export idle this long is ended: long enough for the test below to hold its slots.
    s = await startSecureApp({ MAX_CONCURRENT_EXPORTS: '2', EXPORT_IDLE_TIMEOUT_MS: '5000' });
    const ds = s.db.dataSource;
    await ds.query(`INSERT INTO merchants (id, name) VALUES ('mexp', 'mexp')`);
    await ds.query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no)
       SELECT 'mexp', 'netzme', 'EXP' || g FROM generate_series(1, ${RESULTS}) g`,
    );
    const [{ id }] = await ds.query(
      `INSERT INTO reconciliation_runs (trigger, status, account_count, completed_count)
       VALUES ('api', 'finished', ${RESULTS}, ${RESULTS}) RETURNING id`,
    );
    runId = String(id);
    await ds.query(
      `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, attempts,
                                           provider_balance, ledger_balance, difference, currency)
       SELECT $1, id, 'mismatched', true, 1, 100000, 99000, 1000 + id % 997, 'IDR'
         FROM provider_accounts WHERE merchant_id = 'mexp'`,
      [runId],
    );
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  /** A client that asks for `path` and never reads: the export stalls on backpressure. */
  function stalledClient(path: string, key = KEYS.viewer): Socket {
    const { port } = new URL(s.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.pause();
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-API-Key: ${key}\r\n\r\n`);
    return socket;
  }
  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('streams at most MAX_CONCURRENT_EXPORTS exports, half of them for one credential; one more is 429, and a slot comes back when a client leaves', async () => {
    const slots = s.app.get(ExportSlots);
    const stalled = [stalledClient(`/runs/${runId}/report`)];
    await until(() => slots.busy === 1);
    // The viewer's credential holds its half (1 of 2): its next export waits, another's does not.
    const again = await fetch(`${s.url}/runs/${runId}/results.csv`, { headers: asKey('viewer') });
    expect(again.status).toBe(429);
    expect(((await again.json()) as { detail: string }).detail).toBe(
      'this credential already has 1 export being written (at most 1); retry when one is done',
    );
    stalled.push(stalledClient(`/runs/${runId}/results.csv`, KEYS.operator));
    await until(() => slots.busy === 2);
    const third = await fetch(`${s.url}/runs/${runId}/report?format=csv`, {
      headers: asKey('admin'),
    });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(await third.json()).toMatchObject({
      status: 429,
      detail: '2 exports are already being written; retry in a few seconds',
    });
    stalled.forEach((socket) => socket.destroy());
    await until(() => slots.busy === 0);
    const report = await fetch(`${s.url}/runs/${runId}/report`, { headers: asKey('viewer') });
    expect(report.status).toBe(200);
    const body = (await report.json()) as {
      run: { id: string };
      results: { difference: string }[];
    };
    expect(body.run.id).toBe(runId);
    expect(body.results).toHaveLength(RESULTS);
    expect(Object.keys(body.results[0])).toEqual([
      'merchantId',
      'provider',
      'accountNo',
      'msId',
      'status',
      'providerBalance',
      'ledgerBalance',
      'difference',
      'inFlightAmount',
      'currency',
      'responseCode',
      'attempts',
      'providerTime',
      'error',
      'providerStatus',
      'providerName',
      'explanation',
      'externalId',
      'providerReference',
      'asOf',
    ]);
    expect(slots.busy).toBe(0);
  }, 120_000);

  it('unmatched.csv and the audit CSV take a slot too: 429 while the slots are held', async () => {
    const slots = s.app.get(ExportSlots);
    const stalled = [
      stalledClient(`/runs/${runId}/report`, KEYS.viewer),
      stalledClient(`/runs/${runId}/results.csv`, KEYS.operator),
    ];
    try {
      await until(() => slots.busy === 2);
      for (const path of [`/runs/${runId}/unmatched.csv`, '/audit/export.csv']) {
        const res = await fetch(`${s.url}${path}`, { headers: asKey('admin') });
        expect({ path, status: res.status }).toEqual({ path, status: 429 });
        await res.arrayBuffer();
      }
    } finally {
      stalled.forEach((socket) => socket.destroy());
    }
    await until(() => slots.busy === 0);
  }, 60_000);

  it('an export the server is slow to start (its query waits 7 s on a lock) is not ended at EXPORT_IDLE_TIMEOUT_MS (5 s): the client gets all of it', async () => {
    const locker = s.db.dataSource.createQueryRunner();
    await locker.connect();
    await locker.startTransaction();
    await locker.query('LOCK TABLE reconciliation_results IN ACCESS EXCLUSIVE MODE');
    let unlocked: Promise<void> | undefined;
    const release = setTimeout(() => (unlocked = locker.rollbackTransaction()), 7_000);
    try {
      const res = await fetch(`${s.url}/runs/${runId}/results.csv`, { headers: asKey('viewer') });
      expect(res.status).toBe(200);
      const lines = (await res.text()).trimEnd().split('\n');
      expect(lines).toHaveLength(RESULTS + 1); // the header and every result
    } finally {
      clearTimeout(release);
      await (unlocked ?? locker.rollbackTransaction());
      await locker.release();
    }
  }, 60_000);

  it('a client that asks and stops reading loses its export after EXPORT_IDLE_TIMEOUT_MS, and the slot comes back', async () => {
    const slots = s.app.get(ExportSlots);
    const socket = stalledClient(`/runs/${runId}/report`);
    const closed = new Promise<number>((resolve) =>
      socket.once('close', () => resolve(Date.now())),
    );
    await until(() => slots.busy === 1);
    const held = Date.now();
    // Nothing is read and nothing destroyed here: the producer ends it.
    await until(() => slots.busy === 0);
    expect(Date.now() - held).toBeGreaterThanOrEqual(4_000);
    socket.resume(); // let the client see the end
    expect(await closed).toBeGreaterThan(held);
  }, 60_000);
});
