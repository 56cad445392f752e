import { createHash } from 'node:crypto';
import {
  callDeadlineMs,
  ExternalIdGenerator,
  randomInstanceId,
  requestAccessToken,
  SnapHttp,
  SnapTransport,
  TokenManager,
} from '@app/snap';
import { credentialsOf, World } from './support/world';

/**
 * The token refresh lock against a slow token endpoint (the simulator's `slow` token fault,
 * over real HTTP; two "processes": their own Redis connections, HTTP agents and managers).
 * The lock used to live 10 s while a token request may take the connect + read timeout (20 s):
 * a second process asked too, and the first, answered last, shared its older token over the
 * newer one.
 */
describe('token refresh lock: a slow token request and two processes', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.create();
  });
  afterAll(() => world.close());
  beforeEach(async () => {
    await world.clearRedis();
    world.sim.resetStats();
  });

  const issued = () => world.sim.stats().providers.nicepay.tokensIssued;
  const waitFor = async (what: () => boolean, ms = 5_000) => {
    const deadline = Date.now() + ms;
    while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(what()).toBe(true);
  };
  /** Token requests that reached the simulator (counted as they arrive). */
  const tokenRequests = () => world.sim.stats().providers.nicepay.byKind.token?.requests ?? 0;

  it('a lock shorter than the token request (1 s against 1.5 s) lets a second process ask, but the first, answered last, does not share its older token over the newer one', async () => {
    world.sim.setTokenFaults('nicepay', world.partners.nicepay.clientId, [
      { kind: 'slow', delayMs: 1_500, times: 1 },
    ]);
    const cacheKey = `${world.keyPrefix}:{nicepay:default}:lock-test`;
    const process = () => {
      const http = world.newHttp();
      const redis = world.newRedis();
      const credentials = credentialsOf(world.partners.nicepay, world.baseUrl);
      const profile = world.factory.get('nicepay').profile;
      const transport = new SnapTransport(profile, credentials, {
        http,
        redis,
        ids: new ExternalIdGenerator(randomInstanceId()),
      });
      return new TokenManager(redis, () => requestAccessToken(transport, credentials), {
        provider: 'nicepay',
        cacheKey,
        lockTtlMs: 1_000,
      });
    };
    const [a, b] = [process(), process()];
    const first = a.get();
    await new Promise((r) => setTimeout(r, 100)); // a holds the lock, its request is out
    const second = await b.get(); // after the lock expired: asks itself, answered at once
    expect(issued()).toBe(2);
    expect(await first).toBe(second); // a uses the token b shared, not its older one
    const cached = JSON.parse((await world.redis.get(cacheKey))!) as { accessToken: string };
    expect(cached.accessToken).toBe(second);
    expect(a.fetchCount + b.fetchCount).toBe(2);
  });

  it('a client holds the lock longer than its token request may take (connect + read timeout): a 1.5 s token answer is asked for once by two processes', async () => {
    world.sim.setTokenFaults('nicepay', world.partners.nicepay.clientId, [
      { kind: 'slow', delayMs: 1_500, times: 1 },
    ]);
    // A call may take 30 s: longer than the old fixed lock (10 s) and the default one (25 s).
    const timeouts = { connectMs: 5_000, readMs: 25_000 };
    const [a, b] = [0, 1].map(() => {
      const http = new SnapHttp(timeouts);
      world.https.push(http);
      return world.newFactory({ http }, world.newRedis()).get('nicepay');
    });
    const lockKey = `${world.keyPrefix}:{nicepay:default}:${createHash('sha256')
      .update(`${world.baseUrl}|${world.partners.nicepay.clientId}`)
      .digest('hex')
      .slice(0, 16)}:lock`;
    const first = a.tokens.get();
    await waitFor(() => tokenRequests() === 1);
    const lockTtl = await world.redis.pttl(lockKey);
    expect(lockTtl).toBeGreaterThan(callDeadlineMs(timeouts));
    const second = b.tokens.get();
    expect(await first).toBe(await second);
    expect(issued()).toBe(1);
    expect(a.tokens.fetchCount + b.tokens.fetchCount).toBe(1);
    expect(await world.redis.exists(lockKey)).toBe(0); // released once shared
  });
});
