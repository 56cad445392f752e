import IORedis from 'ioredis';
import {
  providerKeysUnder,
  BreakerChange,
  breakerWindowKey,
  FailureShareRule,
  ProviderCircuitBreaker,
  ProviderUnavailableError,
  readBreakerStatus,
} from '@app/snap';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { uniqueSuffix } from '../support/test-config';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('provider circuit breaker: state shared through the real Redis', () => {
  const prefix = `test-${uniqueSuffix()}`;
  const redis = new IORedis(REDIS_URL);
  const connections: IORedis[] = [redis];
  let n = 0;
  const connect = () => {
    const c = new IORedis(REDIS_URL);
    connections.push(c);
    return c;
  };
  /** Two "processes" (breakers on their own connections) sharing one key prefix. */
  const pair = (threshold: number, probeIntervalMs: number) => {
    const owner = `${prefix}:${++n}`;
    const changes: BreakerChange[] = [];
    const make = () =>
      new ProviderCircuitBreaker(connect(), providerKeysUnder(owner), {
        failureThreshold: threshold,
        probeIntervalMs,
        onChange: (c) => changes.push(c),
      });
    return { owner, changes, a: make(), b: make() };
  };
  /** Two "processes" with the failure-share rule (and a consecutive threshold it beats). */
  const sharePair = (failureShare: FailureShareRule, threshold = 5) => {
    const owner = `${prefix}:${++n}`;
    const changes: BreakerChange[] = [];
    const make = () =>
      new ProviderCircuitBreaker(connect(), providerKeysUnder(owner), {
        failureThreshold: threshold,
        probeIntervalMs: 5_000,
        failureShare,
        onChange: (c) => changes.push(c),
      });
    const state = async () =>
      (await readBreakerStatus(redis, providerKeysUnder(owner), 'nicepay')).state;
    return { owner, changes, state, a: make(), b: make() };
  };
  /** How many of `count` concurrent admissions get through. */
  const admitted = async (breakers: ProviderCircuitBreaker[], count: number) => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => breakers[i % breakers.length].admit('nicepay')),
    );
    for (const o of outcomes)
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ProviderUnavailableError);
    return outcomes.filter((o) => o.status === 'fulfilled').length;
  };

  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await deleteRedisKeys(REDIS_URL, prefix);
  });

  it('a provider that never answers gets `threshold` requests, then only one probe per interval across processes', async () => {
    // Long enough that a loaded machine does not reach the next probe between two steps.
    const { a, b, owner, changes } = pair(3, 1_500);
    // Cold: only three requests go out on trust before anything is known.
    expect(await admitted([a, b], 20)).toBe(3);
    for (let i = 0; i < 3; i++) await (i % 2 ? a : b).failed('nicepay', 'HTTP 503');
    const status = await readBreakerStatus(redis, providerKeysUnder(owner), 'nicepay');
    expect(status).toMatchObject({ state: 'open', reason: 'HTTP 503', consecutiveFailures: 3 });
    expect(changes.map((c) => c.state)).toEqual(['open']);
    // Open: nothing until the probe time, then exactly one of many.
    expect(await admitted([a, b], 20)).toBe(0);
    await sleep(1_550);
    expect(await admitted([a, b], 20)).toBe(1);
    await a.failed('nicepay', 'HTTP 503');
    expect(await admitted([a, b], 20)).toBe(0);
    await sleep(1_550);
    expect(await admitted([a, b], 20)).toBe(1);
    // Still one transition: a failed probe does not open it again.
    expect(changes.map((c) => c.state)).toEqual(['open']);
  });

  it('a refused request says since when and why, and when to come back', async () => {
    const { a } = pair(1, 5_000);
    await a.admit('nicepay');
    await a.failed('nicepay', 'nicepay: balance-inquiry failed: UND_ERR_HEADERS_TIMEOUT');
    const refused = await a.admit('nicepay').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderUnavailableError);
    const e = refused as ProviderUnavailableError;
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBeGreaterThan(4_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(5_000);
    expect(e.since).toBeInstanceOf(Date);
    expect(e.message).toMatch(/nicepay: unavailable since .*UND_ERR_HEADERS_TIMEOUT/);
  });

  it('a successful probe closes it for every process and reports the recovery once', async () => {
    const { a, b, owner, changes } = pair(2, 1_000);
    await admitted([a], 2);
    await a.failed('nicepay', 'HTTP 503');
    await b.failed('nicepay', 'HTTP 503');
    await sleep(1_050);
    expect(await admitted([a, b], 10)).toBe(1);
    await b.succeeded('nicepay');
    expect(changes.map((c) => c.state)).toEqual(['open', 'closed']);
    expect(changes[1].since).toEqual(changes[0].since);
    // The other process, which never saw an answer itself, lets everything through again.
    expect(await admitted([a], 30)).toBe(30);
    const status = await readBreakerStatus(redis, providerKeysUnder(owner), 'nicepay');
    expect(status.state).toBe('closed');
    expect(status.lastSuccessAt!.getTime()).toBeGreaterThanOrEqual(changes[1].since.getTime());
  });

  it('failures with answers between them never open it', async () => {
    const { a, b, owner, changes } = pair(3, 300);
    await a.admit('nicepay');
    await a.succeeded('nicepay');
    for (let i = 0; i < 10; i++) {
      await a.failed('nicepay', 'HTTP 500');
      await b.failed('nicepay', 'HTTP 500');
      await a.succeeded('nicepay');
    }
    expect(changes).toEqual([]);
    expect((await readBreakerStatus(redis, providerKeysUnder(owner), 'nicepay')).state).toBe(
      'closed',
    );
  });

  describe('failure share over a window (shared by both processes)', () => {
    it('opens on intermittent failures the consecutive rule never sees', async () => {
      const { a, b, changes, state } = sharePair({ share: 0.4, windowMs: 30_000, minRequests: 20 });
      // Each process fails every other request, so no two failures in a row anywhere: the
      // consecutive rule (5) never fires; the share (1/2 >= 0.4) does once 20 were counted.
      let opened = -1;
      for (let i = 1; i <= 30 && opened < 0; i++) {
        const p = i % 2 ? a : b;
        if (i % 4 < 2) await p.failed('nicepay', 'HTTP 502');
        else await p.succeeded('nicepay');
        if ((await state()) === 'open') opened = i;
      }
      expect(opened).toBe(20);
      expect(changes.map((c) => c.state)).toEqual(['open']);
      expect(changes[0].reason).toBe('10 of 20 requests in 30 s failed; last: HTTP 502');
    });

    it('the same share with a consecutive rule only never opens', async () => {
      const { a, b, owner, changes } = pair(5, 5_000);
      for (let i = 1; i <= 40; i++) {
        const p = i % 2 ? a : b;
        if (i % 4 < 2) await p.failed('nicepay', 'HTTP 502');
        else await p.succeeded('nicepay');
      }
      expect(changes).toEqual([]);
      expect((await readBreakerStatus(redis, providerKeysUnder(owner), 'nicepay')).state).toBe(
        'closed',
      );
    });

    it('does not open below the minimum number of requests, whatever the share', async () => {
      const { a, b, changes, state } = sharePair(
        { share: 0.5, windowMs: 30_000, minRequests: 12 },
        100,
      );
      // Eleven requests, ten of them failures (91 %), spread over both processes.
      await a.succeeded('nicepay');
      for (let i = 0; i < 10; i++) await (i % 2 ? a : b).failed('nicepay', 'HTTP 500');
      expect(await state()).toBe('closed');
      expect(changes).toEqual([]);
      // The twelfth (a failure) reaches the minimum: 11 of 12.
      await b.failed('nicepay', 'HTTP 500');
      expect(await state()).toBe('open');
      expect(changes[0].reason).toBe('11 of 12 requests in 30 s failed; last: HTTP 500');
    });

    it('requests older than the window age out', async () => {
      const { a, b, owner, changes, state } = sharePair(
        { share: 0.5, windowMs: 1_000, minRequests: 10 },
        100,
      );
      const halfFailing = async () => {
        for (const p of [a, b, a, b]) {
          await p.failed('nicepay', 'HTTP 503');
          await p.succeeded('nicepay');
        }
      };
      await halfFailing(); // 8 requests, 4 failed
      await sleep(1_250); // a whole window (and a bucket) later
      await halfFailing(); // 8 more: 16 in all, but only 8 in the window
      expect(await state()).toBe('closed');
      expect(changes).toEqual([]);
      // Two more failures make 10 in the window, 6 failed: it opens on the window alone.
      await a.failed('nicepay', 'HTTP 503');
      await b.failed('nicepay', 'HTTP 503');
      expect(await state()).toBe('open');
      expect(changes[0].reason).toBe('6 of 10 requests in 1 s failed; last: HTTP 503');
      // Opening starts the window afresh; the key lives under the provider's prefix.
      expect(breakerWindowKey(providerKeysUnder(owner), 'nicepay')).toMatch(
        new RegExp(`^${owner}.*nicepay.*:breaker:window$`),
      );
      expect(await redis.exists(breakerWindowKey(providerKeysUnder(owner), 'nicepay'))).toBe(0);
    });

    it('counts the answers of a process that never fails, written in batches', async () => {
      const { a, b, changes, state } = sharePair(
        { share: 0.3, windowMs: 10_000, minRequests: 10 },
        100,
      );
      // Answers in a quick run are not written one by one; the batch goes with a later write.
      for (let i = 0; i < 20; i++) await a.succeeded('nicepay');
      await sleep(150); // past the flush interval (10 s / 100)
      await a.succeeded('nicepay');
      // 5 failures of 26 requests (19 %) stay under 0.3; without a's answers it would be 5 of 6.
      for (let i = 0; i < 5; i++) await b.failed('nicepay', 'HTTP 500');
      expect(await state()).toBe('closed');
      expect(changes).toEqual([]);
    });

    it('a probe that succeeds closes it with an empty window', async () => {
      const { a, b, owner, changes, state } = sharePair(
        { share: 0.5, windowMs: 30_000, minRequests: 4 },
        100,
      );
      for (const p of [a, b]) {
        await p.succeeded('nicepay');
        await p.failed('nicepay', 'HTTP 500');
      }
      expect(await state()).toBe('open');
      await b.succeeded('nicepay');
      expect(changes.map((c) => c.state)).toEqual(['open', 'closed']);
      expect(await redis.exists(breakerWindowKey(providerKeysUnder(owner), 'nicepay'))).toBe(0);
      // Failures from before the outage do not count again: one failure of one request.
      await a.failed('nicepay', 'HTTP 500');
      expect(await state()).toBe('closed');
    });
  });

  it('refuses a threshold or interval that cannot work, naming it', () => {
    const conn = { eval: async () => null, hgetall: async () => ({}) };
    expect(
      () =>
        new ProviderCircuitBreaker(conn, providerKeysUnder('x'), {
          failureThreshold: 0,
          probeIntervalMs: 10,
        }),
    ).toThrow(/failureThreshold must be an integer >= 1, got 0/);
    expect(
      () =>
        new ProviderCircuitBreaker(conn, providerKeysUnder('x'), {
          failureThreshold: 1,
          probeIntervalMs: 0,
        }),
    ).toThrow(/probeIntervalMs must be >= 1, got 0/);
    const withShare = (failureShare: FailureShareRule) => () =>
      new ProviderCircuitBreaker(conn, providerKeysUnder('x'), {
        failureThreshold: 1,
        probeIntervalMs: 10,
        failureShare,
      });
    expect(withShare({ share: 0, windowMs: 1_000, minRequests: 1 })).toThrow(
      /failureShare.share must be > 0 and <= 1, got 0/,
    );
    expect(withShare({ share: 1.5, windowMs: 1_000, minRequests: 1 })).toThrow(/got 1.5/);
    expect(withShare({ share: 0.5, windowMs: 5, minRequests: 1 })).toThrow(
      /failureShare.windowMs must be an integer >= 10, got 5/,
    );
    expect(withShare({ share: 0.5, windowMs: 1_000, minRequests: 0 })).toThrow(
      /failureShare.minRequests must be an integer >= 1, got 0/,
    );
  });
});
