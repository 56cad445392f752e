import IORedis from 'ioredis';
import { ProviderRateLimiter } from '@app/snap';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { uniqueSuffix } from '../support/test-config';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Most grants inside any window of `spanMs`, from sorted grant instants. */
function mostInAnyWindow(instants: number[], spanMs: number): number {
  let most = 0;
  for (let first = 0, last = 0; last < instants.length; last++) {
    while (instants[last] - instants[first] >= spanMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe('provider rate limiter: a sliding window shared through the real Redis', () => {
  const prefix = `test-${uniqueSuffix()}`;
  const connections: IORedis[] = [];
  const connect = () => {
    const redis = new IORedis(REDIS_URL);
    connections.push(redis);
    return redis;
  };
  /** A Redis connection that counts the limiter's calls. */
  const counted = () => {
    const redis = connect();
    const counter = { calls: 0 };
    const limiterRedis = {
      eval: (...args: Parameters<IORedis['eval']>) => {
        counter.calls++;
        return redis.eval(...args);
      },
    };
    return { limiterRedis, counter };
  };

  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await deleteRedisKeys(REDIS_URL, prefix);
  });

  it('two processes together never let more than the limit through in any second, and let every request through', async () => {
    const limit = 40;
    // Grants are counted on Redis's clock, the test sees them when its promises resolve: the
    // margin (as in production) absorbs a loaded event loop resolving a batch late.
    const marginMs = 250;
    const [a, b] = [counted(), counted()].map(
      ({ limiterRedis }) =>
        new ProviderRateLimiter(limiterRedis, `${prefix}:two`, { finnet: limit }, marginMs),
    );
    const started = Date.now();
    const granted: number[] = [];
    const requests = Array.from({ length: 130 }, (_, i) =>
      (i % 2 ? a : b).acquire('finnet').then(() => granted.push(Date.now())),
    );
    await Promise.all(requests);
    granted.sort((x, y) => x - y);
    expect(granted).toHaveLength(130);
    expect(mostInAnyWindow(granted, 1000)).toBeLessThanOrEqual(limit);
    // 130 requests at 40 per window need three full windows after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * (1000 + marginMs));
  }, 20_000);

  it('requests waiting at the same time share one Redis call', async () => {
    const { limiterRedis, counter } = counted();
    const limiter = new ProviderRateLimiter(limiterRedis, `${prefix}:batch`, { netzme: 1000 });
    await Promise.all(Array.from({ length: 200 }, () => limiter.acquire('netzme')));
    expect(counter.calls).toBeLessThanOrEqual(2);
    // Alone, a request still costs a call of its own.
    await limiter.acquire('netzme');
    expect(counter.calls).toBeLessThanOrEqual(3);
  });

  it('a grant is never larger than what is left of the window', async () => {
    const { limiterRedis } = counted();
    const limiter = new ProviderRateLimiter(limiterRedis, `${prefix}:rest`, { nicepay: 5 }, 0);
    const granted: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 8 }, () =>
        limiter.acquire('nicepay').then(() => granted.push(Date.now())),
      ),
    );
    granted.sort((x, y) => x - y);
    // Five at once, the other three a window later (1 ms allowed for clock rounding).
    expect(granted[4] - started).toBeLessThan(1000);
    expect(granted[5] - started).toBeGreaterThanOrEqual(999);
  });

  it('a provider without a limit is never held, and makes no Redis call', async () => {
    const { limiterRedis, counter } = counted();
    const limiter = new ProviderRateLimiter(limiterRedis, `${prefix}:none`, { netzme: 10 });
    await Promise.all(Array.from({ length: 50 }, () => limiter.acquire('finnet')));
    expect(counter.calls).toBe(0);
  });

  it('when Redis fails, every waiting request fails with its error and the next one asks again', async () => {
    const broken = connect();
    broken.disconnect();
    let fail = true;
    const limiterRedis = {
      eval: (...args: Parameters<IORedis['eval']>) =>
        fail ? broken.eval(...args) : connect().eval(...args),
    };
    const limiter = new ProviderRateLimiter(limiterRedis, `${prefix}:broken`, { netzme: 10 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 3 }, () => limiter.acquire('netzme')),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/Connection is closed/);
    fail = false;
    await expect(limiter.acquire('netzme')).resolves.toBeUndefined();
  });
});
