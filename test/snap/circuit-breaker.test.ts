import IORedis from 'ioredis';
import {
  providerKeysUnder,
  BreakerChange,
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
  });
});
