import { createHash } from 'node:crypto';
import { SnapClient, SnapClientFactory, TokenManager } from '@app/snap';
import { World } from './support/world';

/** Two "processes": separate Redis connections, HTTP agents, id generators and token managers. */
function twoProcesses(
  world: World,
  deps: Parameters<World['newFactory']>[0] = {},
): SnapClientFactory[] {
  return [
    world.newFactory({ ...deps, http: world.newHttp() }, world.newRedis()),
    world.newFactory({ ...deps, http: world.newHttp() }, world.newRedis()),
  ];
}

const tokenKey = (world: World, client: SnapClient) =>
  `${world.keyPrefix}:{${client.profile.provider}:default}:${createHash('sha256')
    .update(`${world.baseUrl}|${world.partners[client.profile.provider].clientId}`)
    .digest('hex')
    .slice(0, 16)}`;

describe('token manager: one token for every process, against the real Redis', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.create();
    world.sim.putAccounts([
      { provider: 'netzme', accountNo: 'CUST-TM', balance: '1.00' },
      { provider: 'nicepay', accountNo: 'NPTM000001', balance: '2.00' },
      { provider: 'finnet', accountNo: world.partners.finnet.clientId, balance: '3.00' },
    ]);
  });

  afterAll(() => world.close());

  // Each test starts with no shared token in Redis and fresh counters.
  beforeEach(async () => {
    await world.clearRedis();
    world.sim.resetStats();
  });

  it('50 concurrent callers in two processes with no cached token cause exactly one token request', async () => {
    const [a, b] = twoProcesses(world);
    const calls = Array.from({ length: 50 }, (_, i) =>
      (i % 2 === 0 ? a : b).get('netzme').balanceInquiry({ accountNo: 'CUST-TM', currency: 'IDR' }),
    );
    const results = await Promise.all(calls);
    expect(results.every((r) => r.availableBalance === 100n)).toBe(true);
    const stats = world.sim.stats().providers.netzme;
    expect(stats.tokensIssued).toBe(1);
    expect(stats.byKind.token.requests).toBe(1);
    expect(stats.byKind.balance.byCode).toEqual({ '2001100': 50 });
    expect(a.tokenFetches() + b.tokenFetches()).toBe(1);
    // Both processes use the same token, shared through Redis under the configured prefix.
    expect(await a.get('netzme').tokens.get()).toBe(await b.get('netzme').tokens.get());
    expect(await world.redis.exists(tokenKey(world, a.get('netzme')))).toBe(1);
  });

  it('50 concurrent token lookups straight on the token managers, too', async () => {
    const [a, b] = twoProcesses(world);
    const managers: TokenManager[] = [a.get('nicepay').tokens, b.get('nicepay').tokens];
    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => managers[i % 2].get()));
    expect(new Set(got).size).toBe(1);
    expect(world.sim.stats().providers.nicepay.tokensIssued).toBe(1);
  });

  it('the shared token lives in Redis until expiresIn minus the safety margin', async () => {
    const [a] = twoProcesses(world, { tokenSafetyMarginMs: 60_000 });
    const client = a.get('finnet');
    await client.balanceInquiry({ accountNo: world.partners.finnet.clientId, currency: 'IDR' });
    const ttl = await world.redis.pttl(tokenKey(world, client));
    // expiresIn "900" minus 60 s of margin.
    expect(ttl).toBeGreaterThan(839_000 - 2_000);
    expect(ttl).toBeLessThanOrEqual(840_000);
  });

  it('refreshes within the safety margin, before the provider would refuse the old token', async () => {
    world.sim.updateSettings({ tokenLifetimeSeconds: 2 });
    try {
      const [a, b] = twoProcesses(world, { tokenSafetyMarginMs: 1_000 });
      const account = { accountNo: 'CUST-TM', currency: 'IDR' };
      await a.get('netzme').balanceInquiry(account);
      await b.get('netzme').balanceInquiry(account);
      expect(world.sim.stats().providers.netzme.tokensIssued).toBe(1);
      const first = await a.get('netzme').tokens.get();
      await new Promise((r) => setTimeout(r, 1_150));
      // The old token is still valid at the simulator for ~0.85 s more, but inside the margin.
      await Promise.all([
        a.get('netzme').balanceInquiry(account),
        b.get('netzme').balanceInquiry(account),
      ]);
      const stats = world.sim.stats().providers.netzme;
      expect(stats.tokensIssued).toBe(2);
      expect(stats.byKind.balance.byCode).toEqual({ '2001100': 4 });
      expect(await a.get('netzme').tokens.get()).not.toBe(first);
    } finally {
      world.sim.updateSettings({ tokenLifetimeSeconds: 900 });
    }
  });

  it('a token revoked at the provider is invalidated and fetched again exactly once for both processes', async () => {
    const [a, b] = twoProcesses(world);
    const account = { accountNo: world.partners.finnet.clientId, currency: 'IDR' };
    await Promise.all([
      a.get('finnet').balanceInquiry(account),
      b.get('finnet').balanceInquiry(account),
    ]);
    const old = await a.get('finnet').tokens.get();
    expect(await b.get('finnet').tokens.get()).toBe(old);
    expect(world.sim.revokeTokens({ provider: 'finnet' })).toBeGreaterThanOrEqual(1);
    world.sim.resetStats();

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).get('finnet').balanceInquiry(account)),
    );
    expect(results).toHaveLength(20);
    const stats = world.sim.stats().providers.finnet;
    expect(stats.tokensIssued).toBe(1);
    expect(stats.byKind.balance.byCode['2001100']).toBe(20);
    expect(stats.byKind.balance.byCode['4011101']).toBeGreaterThanOrEqual(1);
    expect(await a.get('finnet').tokens.get()).not.toBe(old);
    expect(await a.get('finnet').tokens.get()).toBe(await b.get('finnet').tokens.get());
  });

  it('invalidating a token that was already replaced leaves the new one alone', async () => {
    const [a, b] = twoProcesses(world);
    const old = await a.get('nicepay').tokens.get();
    await a.get('nicepay').tokens.invalidate(old);
    const fresh = await a.get('nicepay').tokens.get();
    expect(fresh).not.toBe(old);
    // Process b, late, reports the old token as rejected: the shared fresh one survives.
    await b.get('nicepay').tokens.invalidate(old);
    expect(await b.get('nicepay').tokens.get()).toBe(fresh);
    expect(a.tokenFetches() + b.tokenFetches()).toBe(2);
  });
});
