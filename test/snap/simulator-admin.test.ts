import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { CredentialRegistry, ExternalIdGenerator, SnapClientFactory } from '@app/snap';
import {
  createSnapSimulator,
  loadSeedFile,
  SimulatorSpecError,
  SimulatorStats,
  startSimulatorFromEnv,
} from '../../apps/snap-simulator/src';
import { rsaKeyPair } from './support/keys';
import { memoryLogger } from './support/logs';
import { externalId, rawCall, tokenFor } from './support/raw';
import { credentialsOf, makePartner, partnerSpec, uniq, World } from './support/world';

async function admin<T = unknown>(baseUrl: string, method: string, path: string, body?: unknown) {
  const res = await request(`${baseUrl}${path}`, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as T };
}

describe('simulator admin API, stats and seed', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.create({
      accounts: [{ provider: 'netzme', accountNo: 'SEEDED', balance: '1.00' }],
    });
  });

  afterAll(() => world.close());

  it('PUT /admin/accounts replaces every account; POST adds; GET lists and shows one', async () => {
    const put = await admin(world.baseUrl, 'PUT', '/admin/accounts', {
      accounts: [
        { provider: 'netzme', accountNo: 'A1', balance: '5.00' },
        { provider: 'nicepay', accountNo: 'B1', balances: ['1.00', '2.00'], currency: 'IDR' },
      ],
    });
    expect(put).toEqual({ status: 200, json: { count: 2 } });
    expect(world.sim.account('netzme', 'SEEDED')).toBeUndefined();
    const post = await admin(world.baseUrl, 'POST', '/admin/accounts', [
      { provider: 'netzme', accountNo: 'A2', balance: '6.00', faults: [{ kind: '500', times: 2 }] },
    ]);
    expect(post.json).toEqual({ count: 1 });
    const all = await admin<{ accountNo: string }[]>(
      world.baseUrl,
      'GET',
      '/admin/accounts?provider=netzme',
    );
    expect(all.json.map((a) => a.accountNo).sort()).toEqual(['A1', 'A2']);
    const one = await admin(world.baseUrl, 'GET', '/admin/accounts/netzme/A2');
    expect(one.json).toEqual({
      provider: 'netzme',
      accountNo: 'A2',
      balances: ['6.00'],
      nextBalance: '6.00',
      served: 0,
      currency: 'IDR',
      name: 'Merchant A2',
      balanceType: 'Cash',
      extraBalances: [{ balanceType: 'Points', value: '0.00' }],
      // Netzme's Get Account Status page's example, verbatim, unless told otherwise.
      status: 'approved_v2',
      userStatus: 'premium',
      userType: 'regular',
      benefits: ['Request approved'],
      providerTimeUnit: 'ms',
      historyCursorInclusive: false,
      providerTimeOffsetMs: 0,
      latencyMs: 0,
      faults: [{ kind: '500', times: 2 }],
      statusFaults: [],
      historyEvents: 0,
    });
  });

  it('PATCH /admin/accounts/:provider/:accountNo changes balance, account status and faults', async () => {
    const patched = await admin(world.baseUrl, 'PATCH', '/admin/accounts/netzme/A1', {
      balance: '7.50',
      userStatus: 'blocked',
      faults: [{ kind: 'non-json' }],
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      balances: ['7.50'],
      userStatus: 'blocked',
      faults: [{ kind: 'non-json' }],
    });
    const status = await world.factory.get('netzme').accountStatus('A1');
    expect(status.active).toBe(false);
  });

  it('bad admin input answers 400 listing every problem; unknown things answer 404', async () => {
    const bad = await admin<{ error: string; problems: string[] }>(
      world.baseUrl,
      'POST',
      '/admin/accounts',
      [{ provider: 'paypal', accountNo: '', balance: '10' }],
    );
    expect(bad.status).toBe(400);
    expect(bad.json.problems.join('\n')).toMatch(/provider/);
    expect(bad.json.problems.join('\n')).toMatch(/accountNo/);
    expect(bad.json.problems.join('\n')).toMatch(/balance: must be an amount/);
    expect(
      (await admin(world.baseUrl, 'PATCH', '/admin/accounts/netzme/NOPE', { balance: '1.00' }))
        .status,
    ).toBe(404);
    expect((await admin(world.baseUrl, 'GET', '/admin/accounts/paypal/X')).status).toBe(404);
    expect((await admin(world.baseUrl, 'GET', '/admin/nothing')).status).toBe(404);
    const badFault = await admin(world.baseUrl, 'PATCH', '/admin/accounts/netzme/A1', {
      faults: [{ kind: 'code' }],
    });
    expect(badFault.status).toBe(400);
    expect((await admin(world.baseUrl, 'PATCH', '/admin/settings', { latencyMs: -1 })).status).toBe(
      400,
    );
    // Found by a tester: these answered 500 (a TypeError, a URIError).
    const nullRevoke = await admin<{ error: string }>(
      world.baseUrl,
      'POST',
      '/admin/tokens/revoke',
      null,
    );
    expect(nullRevoke).toMatchObject({ status: 400 });
    expect(JSON.stringify(nullRevoke.json)).toContain('body must be an object');
    const badEscape = await admin(world.baseUrl, 'GET', '/admin/accounts/netzme/%E0%A4%A');
    expect(badEscape.status).toBe(400);
    expect(JSON.stringify(badEscape.json)).toContain('is not valid percent-encoding');
  });

  it('partner secrets never come back from the admin API', async () => {
    const res = await admin(world.baseUrl, 'GET', '/admin/partners');
    expect(res.json).toEqual({ netzme: 1, nicepay: 1, finnet: 1, midtrans: 0 });
    expect(JSON.stringify(res.json)).not.toContain(world.partners.netzme.clientSecret);
  });

  it('thousands of Finnet partners register cheaply with clientIds sharing one key and secret', async () => {
    const keys = rsaKeyPair(2048, 'pkcs8');
    const shared = makePartner('finnet', keys);
    const clientIds = Array.from({ length: 5_000 }, (_, i) => `FM${String(i).padStart(6, '0')}`);
    const started = performance.now();
    const res = await admin(world.baseUrl, 'POST', '/admin/partners', {
      partners: [
        {
          provider: 'finnet',
          clientIds,
          clientSecret: shared.clientSecret,
          publicKeyPem: keys.publicKeyPem,
          channelId: '12345',
        },
      ],
    });
    expect(res.json).toEqual({ count: 5_000 });
    expect(performance.now() - started).toBeLessThan(2_000);
    world.sim.putAccounts(
      clientIds.map((id, i) => ({
        provider: 'finnet' as const,
        accountNo: id,
        balance: `${i}.00`,
      })),
    );

    // Three of them, each with its own credential set (Finnet: one per merchant).
    const picked = [0, 1234, 4999];
    const registry = new CredentialRegistry(
      picked.map((i) =>
        credentialsOf({ ...shared, clientId: clientIds[i] }, world.baseUrl, `merchant-${i}`),
      ),
    );
    const factory = new SnapClientFactory(registry, {
      http: world.http,
      redis: world.redis,
      ids: new ExternalIdGenerator(7),
      tokenKeyPrefix: world.keyPrefix,
    });
    world.sim.resetStats();
    for (const i of picked) {
      const result = await factory
        .get('finnet', `merchant-${i}`)
        .balanceInquiry({ accountNo: clientIds[i], currency: 'IDR' });
      expect(result.availableBalance).toBe(BigInt(i * 100));
    }
    expect(world.sim.stats().providers.finnet.tokensIssued).toBe(3);
  });

  it('GET /admin/stats counts per provider, code and endpoint, and the busiest second', async () => {
    world.sim.putAccounts([{ provider: 'nicepay', accountNo: 'BURST00001', balance: '1.00' }]);
    await world.factory.get('nicepay').balanceInquiry({ accountNo: 'BURST00001', currency: 'IDR' });
    await admin(world.baseUrl, 'POST', '/admin/stats/reset');
    const client = world.factory.get('nicepay');
    await Promise.all(
      Array.from({ length: 100 }, () =>
        client.balanceInquiry({ accountNo: 'BURST00001', currency: 'IDR' }),
      ),
    );
    await client
      .balanceInquiry({ accountNo: 'MISSING001', currency: 'IDR' })
      .catch(() => undefined);
    const { json: stats } = await admin<SimulatorStats>(world.baseUrl, 'GET', '/admin/stats');
    expect(stats.totalRequests).toBe(101);
    expect(stats.providers.nicepay.requests).toBe(101);
    expect(stats.providers.nicepay.byCode).toEqual({ '2001100': 100, '4041111': 1 });
    expect(stats.providers.nicepay.byKind.balance.requests).toBe(101);
    expect(stats.providers.nicepay.byKind.token.requests).toBe(0);
    expect(stats.providers.nicepay.tokensIssued).toBe(0);
    // 100 concurrent calls land within one second.
    expect(stats.providers.nicepay.maxPerSecond).toBeGreaterThanOrEqual(100);
    expect(stats.providers.nicepay.byKind.balance.maxPerSecond).toBeGreaterThanOrEqual(100);
    const none = { requests: 0, byCode: {}, maxPerSecond: 0, maxPerSecondAtMs: null };
    expect(stats.providers.netzme).toEqual({
      ...none,
      tokensIssued: 0,
      busiestSecondArrivalsMs: [],
      byKind: { token: none, balance: none, 'account-inquiry': none, history: none },
    });
    expect(stats.eventLoopDelayMs).toEqual({ p99: expect.any(Number), max: expect.any(Number) });
    expect(stats.loopStalls).toEqual(expect.any(Array));
    expect(stats.loopStallsDropped).toEqual(expect.any(Number));
    // The busiest window's arrivals, from its first: as many as the window's count, in order.
    const arrivals = stats.providers.nicepay.busiestSecondArrivalsMs;
    expect(arrivals).toHaveLength(stats.providers.nicepay.maxPerSecond);
    expect(arrivals[0]).toBe(0);
    expect(arrivals.at(-1)!).toBeLessThan(1000);
    expect([...arrivals].sort((a, b) => a - b)).toEqual(arrivals);
    expect(Date.parse(stats.since)).toBeLessThanOrEqual(Date.now());
  });

  it('PATCH /admin/settings adds latency to every answer; accounts can have their own', async () => {
    world.sim.putAccounts([
      { provider: 'netzme', accountNo: 'SLOW', balance: '1.00', latencyMs: 150 },
    ]);
    const client = world.factory.get('netzme');
    await client.balanceInquiry({ accountNo: 'SLOW', currency: 'IDR' }); // token cached
    let started = performance.now();
    await client.balanceInquiry({ accountNo: 'SLOW', currency: 'IDR' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    const res = await admin(world.baseUrl, 'PATCH', '/admin/settings', { latencyMs: 100 });
    expect(res.json).toMatchObject({ latencyMs: 100, tokenLifetimeSeconds: 900 });
    started = performance.now();
    await client.balanceInquiry({ accountNo: 'SLOW', currency: 'IDR' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    await admin(world.baseUrl, 'PATCH', '/admin/settings', { latencyMs: 0 });
  });

  it('POST /admin/reset goes back to the start-up accounts and clears tokens and stats', async () => {
    const res = await admin(world.baseUrl, 'POST', '/admin/reset');
    expect(res.json).toEqual({ ok: true });
    expect(world.sim.accounts().map((a) => a.accountNo)).toEqual(['SEEDED']);
    expect(world.sim.partnerCounts()).toEqual({ netzme: 1, nicepay: 1, finnet: 1, midtrans: 0 });
    expect(world.sim.stats().totalRequests).toBe(0);
    // The cached token is gone at the simulator: refreshed once, then fine.
    const result = await world.factory
      .get('netzme')
      .balanceInquiry({ accountNo: 'SEEDED', currency: 'IDR' });
    expect(result.availableBalance).toBe(100n);
    expect(world.sim.stats().providers.netzme.byKind.balance.byCode).toEqual({
      '4011101': 1,
      '2001100': 1,
    });
  });

  it('stop() does not hang on a held read-timeout request', async () => {
    const partner = makePartner('netzme');
    const sim = createSnapSimulator({
      partners: [partnerSpec(partner)],
      accounts: [{ provider: 'netzme', accountNo: 'HOLD', faults: [{ kind: 'read-timeout' }] }],
      readTimeoutHoldMs: 120_000,
      logger: memoryLogger('silent').logger,
    });
    const baseUrl = await sim.start();
    const token = await tokenFor(baseUrl, sim.paths.netzme, partner);
    const held = rawCall(baseUrl, sim.paths.netzme, partner, token, { accountNo: 'HOLD' }).catch(
      (e: Error) => e,
    );
    while (!sim.stats().providers.netzme.byCode['read-timeout'])
      await new Promise((r) => setTimeout(r, 10));
    const started = performance.now();
    await sim.stop();
    // The held request would keep it 120 s; seconds to spare for a loaded machine.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await held).toBeInstanceOf(Error);
    await sim.stop(); // twice is fine
  });

  it('paths can be overridden (e.g. the SDK NICEPay path, Finnet signing without /topup)', async () => {
    const nicepay = makePartner('nicepay');
    const finnet = makePartner('finnet');
    const sim = createSnapSimulator({
      partners: [partnerSpec(nicepay), partnerSpec(finnet)],
      accounts: [
        { provider: 'nicepay', accountNo: 'SDKPATH001', balance: '1.00' },
        { provider: 'finnet', accountNo: finnet.clientId, balance: '2.00' },
      ],
      paths: {
        nicepay: {
          balancePath: '/nicepay/api/v1.0/transfer/balance-inquiry',
          balanceSignedPath: '/api/v1.0/transfer/balance-inquiry',
        },
        finnet: { balanceSignedPath: '/v1.0/balance-inquiry-merchant' },
      },
      logger: memoryLogger('silent').logger,
    });
    const baseUrl = await sim.start();
    try {
      const npToken = await tokenFor(baseUrl, sim.paths.nicepay, nicepay);
      expect(
        (await rawCall(baseUrl, sim.paths.nicepay, nicepay, npToken, { accountNo: 'SDKPATH001' }))
          .json.responseCode,
      ).toBe('2001100');
      const fToken = await tokenFor(baseUrl, sim.paths.finnet, finnet);
      expect((await rawCall(baseUrl, sim.paths.finnet, finnet, fToken)).json.responseCode).toBe(
        '2001100',
      );
      const wrong = await rawCall(baseUrl, sim.paths.finnet, finnet, fToken, {
        signedPath: '/topup/v1.0/balance-inquiry-merchant',
        externalId: externalId(),
      });
      expect(wrong.json.responseCode).toBe('4011100');
    } finally {
      await sim.stop();
    }
    expect(() => createSnapSimulator({ paths: { netzme: { balancePath: 'no-slash' } } })).toThrow(
      /must start with "\/"/,
    );
    expect(() =>
      createSnapSimulator({ paths: { finnet: { balancePath: '/api/v1/access-token/b2b' } } }),
    ).toThrow(/is both netzme token and finnet balance/);
  });

  describe('seed file', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), `snap-seed-${uniq()}-`));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('loads partners (public key from a file beside the seed), accounts and settings, and serves them', async () => {
      const partner = makePartner('netzme');
      writeFileSync(join(dir, 'netzme.pub.pem'), partner.keys.publicKeyPem);
      const seedPath = join(dir, 'seed.json');
      writeFileSync(
        seedPath,
        JSON.stringify({
          settings: { tokenLifetimeSeconds: 600, clockOffsetMs: 0 },
          partners: [
            {
              provider: 'netzme',
              clientId: partner.clientId,
              clientSecret: partner.clientSecret,
              publicKeyFile: 'netzme.pub.pem',
              channelId: partner.channelId,
            },
          ],
          accounts: [{ provider: 'netzme', accountNo: 'SEEDCUST', balance: '123.45' }],
        }),
      );
      const { logger, lines } = memoryLogger('info');
      const { simulator, baseUrl } = await startSimulatorFromEnv(
        { PORT: '0', SIMULATOR_SEED_FILE: seedPath, SIMULATOR_LATENCY_MS: '5' },
        logger,
      );
      try {
        expect(simulator.settings()).toMatchObject({ tokenLifetimeSeconds: 600, latencyMs: 5 });
        const registry = new CredentialRegistry([credentialsOf(partner, baseUrl)]);
        const factory = new SnapClientFactory(registry, {
          http: world.http,
          redis: world.redis,
          ids: new ExternalIdGenerator(8),
          tokenKeyPrefix: world.keyPrefix,
        });
        const result = await factory
          .get('netzme')
          .balanceInquiry({ accountNo: 'SEEDCUST', currency: 'IDR' });
        expect(result.availableBalance).toBe(12_345n);
        expect(lines.some((l) => l.includes('never expose'))).toBe(true);
      } finally {
        await simulator.stop();
      }
    });

    it('names the file and the field when the seed is wrong', () => {
      const write = (name: string, text: string) => {
        const p = join(dir, name);
        writeFileSync(p, text);
        return p;
      };
      expect(() => loadSeedFile(join(dir, 'absent.json'))).toThrow(
        /absent\.json: cannot read \(ENOENT\)/,
      );
      expect(() => loadSeedFile(write('broken.json', '{'))).toThrow(/broken\.json: not valid JSON/);
      expect(() => loadSeedFile(write('extra.json', '{"acounts": []}'))).toThrow(
        SimulatorSpecError,
      );
      const keyless = write(
        'keyless.json',
        JSON.stringify({
          partners: [
            {
              provider: 'finnet',
              clientId: 'X',
              clientSecret: 's3cr3t-value',
              publicKeyFile: 'nope.pem',
            },
          ],
        }),
      );
      expect(() => loadSeedFile(keyless)).toThrow(
        /partners\[0\]\.publicKeyFile: cannot read .*nope\.pem/,
      );
      const badAccount = write(
        'bad-account.json',
        JSON.stringify({ accounts: [{ provider: 'netzme', accountNo: 'A', balance: 5 }] }),
      );
      const options = loadSeedFile(badAccount);
      expect(() =>
        createSnapSimulator({ ...options, logger: memoryLogger('silent').logger }),
      ).toThrow(/accounts\[0\]: balance/);
      const badKey = write(
        'bad-key.json',
        JSON.stringify({
          partners: [
            {
              provider: 'finnet',
              clientId: 'X',
              clientSecret: 's3cr3t-value',
              publicKeyPem: 'garbage',
            },
          ],
        }),
      );
      let message = '';
      try {
        createSnapSimulator({ ...loadSeedFile(badKey), logger: memoryLogger('silent').logger });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/partners\[0\]\.publicKeyPem: not a readable PEM public key/);
      expect(message).not.toContain('s3cr3t-value');
    });

    it('rejects a bad PORT or SIMULATOR_LATENCY_MS naming the variable', async () => {
      await expect(
        startSimulatorFromEnv({ PORT: 'eighty' }, memoryLogger('silent').logger),
      ).rejects.toThrow(/^PORT: "eighty"/);
      await expect(
        startSimulatorFromEnv(
          { PORT: '0', SIMULATOR_LATENCY_MS: '-5' },
          memoryLogger('silent').logger,
        ),
      ).rejects.toThrow(/SIMULATOR_LATENCY_MS/);
    });
  });
});
