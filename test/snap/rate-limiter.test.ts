import IORedis from 'ioredis';
import {
  DEFAULT_MARGIN_MS,
  ProviderRateLimiter,
  providerKeysUnder,
  PROVIDERS,
  ProviderName,
} from '@app/snap';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { uniqueSuffix } from '../support/test-config';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Most grants inside any window of `spanMs` (half-open, as the simulator counts). */
function mostInAnyWindow(instants: number[], spanMs: number): number {
  let most = 0;
  for (let first = 0, last = 0; last < instants.length; last++) {
    while (instants[last] - instants[first] >= spanMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

const limits = (perSecond: number) =>
  Object.fromEntries(PROVIDERS.map((p) => [p, perSecond])) as Record<ProviderName, number>;

describe('provider rate limiter: an even schedule (GCRA) shared through the real Redis', () => {
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

  it('three processes together never let more than the limit through in any second, spread evenly, on a schedule at >= 0.9 of the limit', async () => {
    const limit = 60;
    const limiters = [counted(), counted(), counted()].map(
      ({ limiterRedis }) =>
        new ProviderRateLimiter(limiterRedis, providerKeysUnder(`${prefix}:three`), {
          limits: limits(limit),
        }),
    );
    const granted: number[] = [];
    const requests = Array.from({ length: 240 }, (_, i) =>
      limiters[i % 3].acquire('finnet').then(() => granted.push(performance.now())),
    );
    await Promise.all(requests);
    granted.sort((x, y) => x - y);
    expect(granted).toHaveLength(240);
    expect(mostInAnyWindow(granted, 1000)).toBeLessThanOrEqual(limit);
    // Evenly spread: no 100 ms holds more than its share of the limit plus one.
    expect(mostInAnyWindow(granted, 100)).toBeLessThanOrEqual(limit / 10 + 1);
    const span = granted[granted.length - 1] - granted[0];
    const rate = ((granted.length - 1) * 1000) / span;
    expect(rate).toBeLessThanOrEqual(limit);
    // The schedule wastes nothing: the slots handed out (used, or given up because this jest
    // process reached them more than lateMs late, e.g. in a GC pause) come at >= 0.9 of the
    // limit. Slots given up are a busy process's, not the schedule's: CI once measured 0.865
    // for the used ones alone on a quiet machine. A limiter giving most slots up fails here.
    const forfeited = limiters.reduce((n, l) => n + l.forfeited, 0);
    expect(forfeited).toBeLessThan(granted.length / 4);
    const slotRate = ((granted.length + forfeited - 1) * 1000) / span;
    expect(slotRate / limit).toBeGreaterThanOrEqual(0.9);
  }, 30_000);

  it('after the schedule is wiped from Redis mid-stream, no second holds more than the limit', async () => {
    const limit = 50;
    const owner = `${prefix}:wipe`;
    const limiters = [counted(), counted()].map(
      ({ limiterRedis }) =>
        new ProviderRateLimiter(limiterRedis, providerKeysUnder(owner), { limits: limits(limit) }),
    );
    const granted: number[] = [];
    const wiper = connect();
    const requests = Array.from({ length: 150 }, (_, i) =>
      limiters[i % 2].acquire('nicepay').then(async () => {
        granted.push(performance.now());
        // Redis loses the schedule twice while slots handed out before are still pending.
        if (granted.length === 40 || granted.length === 90)
          await wiper.del(`${providerKeysUnder(owner)('nicepay')}:pacing`);
      }),
    );
    await Promise.all(requests);
    granted.sort((x, y) => x - y);
    expect(granted).toHaveLength(150);
    expect(mostInAnyWindow(granted, 1000)).toBeLessThanOrEqual(limit);
  }, 30_000);

  it('a schedule Redis lost restarts at least one interval after the last slot handed out before', async () => {
    const limit = 100;
    const intervalUs = ((1000 + DEFAULT_MARGIN_MS) * 1000) / limit;
    const owner = `${prefix}:seam`;
    /** Each slot handed out, on Redis's clock (µs), from the script's answers. */
    const slots: number[] = [];
    const recording = () => {
      const redis = connect();
      return {
        eval: async (...args: Parameters<IORedis['eval']>) => {
          const answer = (await redis.eval(...args)) as number[];
          const [n, firstUs, , nowUs] = answer.map(Number);
          for (let i = 0; i < n; i++) slots.push(nowUs + firstUs + i * intervalUs);
          return answer;
        },
      };
    };
    const before = new ProviderRateLimiter(recording(), providerKeysUnder(owner), {
      limits: limits(limit),
    });
    const after = new ProviderRateLimiter(recording(), providerKeysUnder(owner), {
      limits: limits(limit),
    });
    // A horizon's worth of slots handed out, then the schedule lost before they fall due.
    const pending = Array.from({ length: 20 }, () => before.acquire('netzme'));
    while (slots.length === 0) await new Promise((r) => setTimeout(r, 1));
    const lastBefore = Math.max(...slots);
    await connect().del(`${providerKeysUnder(owner)('netzme')}:pacing`);
    slots.length = 0;
    await after.acquire('netzme');
    expect(Math.min(...slots) - lastBefore).toBeGreaterThanOrEqual(intervalUs);
    await Promise.all(pending);
  });

  it('requests waiting at the same time share Redis calls: one call per 20 requests at most', async () => {
    const { limiterRedis, counter } = counted();
    const limiter = new ProviderRateLimiter(limiterRedis, providerKeysUnder(`${prefix}:batch`), {
      limits: limits(2000),
    });
    await Promise.all(Array.from({ length: 300 }, () => limiter.acquire('netzme')));
    // A call grants up to a horizon's slots (~120 at least at 2000/s); the cold start costs one,
    // slots a busy test process reached too late cost one more each time.
    expect(counter.calls).toBeLessThanOrEqual(300 / 20);
  });

  // The wide margin's half (100 ms) would let the slots of the block's last 100 ms out together:
  // the 15 ms cap on lateness is what keeps them apart.
  it.each([DEFAULT_MARGIN_MS, 200])(
    'a process too busy to send at its slot gives the slot up instead of sending a late bunch (margin %i ms)',
    async (marginMs) => {
      const { limiterRedis } = counted();
      const limit = 100;
      const limiter = new ProviderRateLimiter(
        limiterRedis,
        providerKeysUnder(`${prefix}:late-${marginMs}`),
        { limits: limits(limit), marginMs },
      );
      const granted: number[] = [];
      const requests = Array.from({ length: 60 }, () =>
        limiter.acquire('finnet').then(() => granted.push(performance.now())),
      );
      // Let the slots be handed out, then block the event loop for 200 ms past some of them.
      await new Promise((r) => setTimeout(r, 300));
      const blockUntil = performance.now() + 200;
      while (performance.now() < blockUntil);
      await Promise.all(requests);
      granted.sort((x, y) => x - y);
      expect(limiter.forfeited).toBeGreaterThan(0);
      // A slot is let through at most 15 ms after it falls due, so any 100 ms holds at most the
      // slots due in 115 ms (11 at 10.5 ms apart at 50 ms, 10 at 12 ms apart at 200 ms); a late
      // bunch of the slots that fell due during the 200 ms block would be about 20.
      const intervalMs = (1000 + marginMs) / limit;
      expect(mostInAnyWindow(granted, 100)).toBeLessThanOrEqual(
        Math.floor((100 + 15) / intervalMs) + 1,
      );
    },
    20_000,
  );

  it('refuses to start for a provider without a limit, naming it', () => {
    const { limiterRedis } = counted();
    expect(
      () =>
        new ProviderRateLimiter(limiterRedis, providerKeysUnder(`${prefix}:none`), {
          limits: { netzme: 10, nicepay: 0 } as Record<ProviderName, number>,
        }),
    ).toThrow(/no rate limit for nicepay \(got 0\), finnet \(got undefined\)/);
  });

  it('when Redis fails, every waiting request fails with its error and the next one asks again', async () => {
    const broken = connect();
    broken.disconnect();
    let fail = true;
    const working = connect();
    const limiterRedis = {
      eval: (...args: Parameters<IORedis['eval']>) =>
        fail ? broken.eval(...args) : working.eval(...args),
    };
    const limiter = new ProviderRateLimiter(limiterRedis, providerKeysUnder(`${prefix}:broken`), {
      limits: limits(10),
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 3 }, () => limiter.acquire('netzme')),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/Connection is closed/);
    fail = false;
    await expect(limiter.acquire('netzme')).resolves.toBeUndefined();
  });
});
