import { Queue, Worker } from 'bullmq';
import {
  createRedisConnection,
  deletePrefixKeys,
  liftBreakerPause,
  pauseQueueAtLeast,
  queuePrefix,
} from '@app/infra';
import type { AlertPublisher } from '@app/reconciliation';
import type { ProviderName } from '@app/snap';
import { onBreakerChange } from '../../apps/worker/src/breaker-events';
import { memoryLogger } from '../snap/support/logs';
import { testConfig } from '../support/test-config';

/** A provider limiter's `max` (RATE_LIMIT_<P>_PER_SECOND): the key at or above it means "wait". */
const LIMITER_MAX = 5;

/**
 * A queue-wide pause (a provider's 429, an open circuit breaker) written by two worker
 * processes, each with its own Redis connection, on the real Redis. BullMQ's
 * `worker.rateLimit(ms)` set the limiter key's expiry to `ms` whatever was left of it: a 429
 * without Retry-After (our 1 s pause) cut another job's Retry-After of 120 s to 1 s.
 */
describe('pauseQueueAtLeast', () => {
  const config = testConfig();
  const name = 'pause-test';
  const prefix = queuePrefix(config);
  const connections = [createRedisConnection(config, 'a'), createRedisConnection(config, 'b')];
  const [workerA, workerB] = connections.map(
    (connection) => new Worker(name, null, { connection, prefix, autorun: false }),
  );
  const queue = new Queue(name, { connection: connections[0], prefix });
  /** The worker's provider queue, on a connection of its own, that the breaker's events use. */
  const eventsQueue = new Queue(name, { connection: connections[1], prefix });
  /** The pause BullMQ's workers read: the limiter key's TTL once it is at the limiter's max. */
  const pauseLeft = () => queue.getRateLimitTtl(LIMITER_MAX);

  afterEach(() => queue.removeRateLimitKey());
  afterAll(async () => {
    await Promise.all([workerA.close(), workerB.close(), queue.close(), eventsQueue.close()]);
    await Promise.all(connections.map((c) => c.quit()));
    await deletePrefixKeys(config);
  });

  it('pauses a queue that is not paused, for that long', async () => {
    expect(await pauseQueueAtLeast(workerA, 2_000)).toBe(2_000);
    const left = await pauseLeft();
    // Less the time to read it back (generous: a loaded machine).
    expect(left).toBeGreaterThan(1_500);
    expect(left).toBeLessThanOrEqual(2_000);
  });

  it("keeps a longer pause in force: another worker's 1 s pause leaves a Retry-After of 120 s", async () => {
    await pauseQueueAtLeast(workerA, 120_000);
    const inForce = await pauseQueueAtLeast(workerB, 1_000);
    expect(inForce).toBeGreaterThan(119_000);
    expect(await pauseLeft()).toBeGreaterThan(119_000);
  });

  it('extends a shorter pause to the longer one asked', async () => {
    await pauseQueueAtLeast(workerA, 1_000);
    expect(await pauseQueueAtLeast(workerB, 60_000)).toBe(60_000);
    expect(await pauseLeft()).toBeGreaterThan(59_000);
  });

  it('ends with the longest of pauses asked at the same time by two workers, in any order', async () => {
    await Promise.all(
      [1_000, 120_000, 500, 30_000, 1_000].map((ms, i) =>
        pauseQueueAtLeast(i % 2 ? workerB : workerA, ms),
      ),
    );
    expect(await pauseLeft()).toBeGreaterThan(119_000);
  });

  it("pauses over the limiter's job counter of the current window, keeping the window's end", async () => {
    // What BullMQ's limiter keeps there between pauses: jobs started in this window, expiring
    // at its end.
    const client = await queue.client;
    await client.set(queue.keys.limiter, '2', { PX: 800 });
    expect(await pauseLeft()).toBe(0);
    await pauseQueueAtLeast(workerA, 5_000);
    expect(await pauseLeft()).toBeGreaterThan(4_500);

    await client.set(queue.keys.limiter, '2', { PX: 800 });
    await pauseQueueAtLeast(workerA, 100);
    const left = await pauseLeft();
    expect(left).toBeGreaterThan(400); // not cut to 100 (slack for a loaded machine)
    expect(left).toBeLessThanOrEqual(800);
  });

  it('takes a fractional or zero pause as a whole millisecond or more (Redis refuses PX 0)', async () => {
    expect(await pauseQueueAtLeast(workerA, 0)).toBe(1);
    await queue.removeRateLimitKey();
    expect(await pauseQueueAtLeast(workerA, 1_500.2)).toBe(1_501);
  });

  /**
   * The circuit breaker's pause (the queue waits for the next probe) is lifted when the breaker
   * closes; a 429's pause is not. A 429 is an answer, so it closes an open breaker: the probe
   * answered 429 with Retry-After: 120 closed NICEPay's breaker, and the recovery's plain DEL of
   * the limiter key (BullMQ's removeRateLimitKey), landing after the processor's 120 s pause,
   * let every worker call NICEPay again at once. So did any 429 pause of a job in flight.
   */
  describe("the breaker's pause and its lift on recovery", () => {
    const client = () => queue.client;
    const value = async () => (await client()).get(queue.keys.limiter);
    /** Breaker pause (2^53) and 429 pause (2^53 - 1, BullMQ's own value). */
    const BREAKER = '9007199254740992';
    const RATE_LIMIT = '9007199254740991';

    it('lifts a breaker pause alone: the queue resumes at once for every worker', async () => {
      await pauseQueueAtLeast(workerA, 30_000, 'breaker');
      expect(await value()).toBe(BREAKER);
      expect(await pauseLeft()).toBeGreaterThan(29_000);
      expect(await liftBreakerPause(eventsQueue)).toBe(true);
      expect(await pauseLeft()).toBe(0);
      expect(await connections[0].exists(queue.keys.limiter)).toBe(0);
    });

    it("leaves a 429's pause of 120 s in force, key and time", async () => {
      await pauseQueueAtLeast(workerA, 120_000, 'rate-limit');
      expect(await liftBreakerPause(eventsQueue)).toBe(false);
      expect(await value()).toBe(RATE_LIMIT);
      expect(await pauseLeft()).toBeGreaterThan(119_000);
    });

    it('keeps the 120 s of the 429 that closed the breaker, whichever of the pause and the lift lands first', async () => {
      // The breaker's pause, as jobs refused before the probe left it; then the probe's 429.
      const probeAnswered = () => pauseQueueAtLeast(workerB, 120_000, 'rate-limit');
      const breakerPaused = () => pauseQueueAtLeast(workerA, 30_000, 'breaker');

      await breakerPaused();
      await probeAnswered();
      expect(await liftBreakerPause(eventsQueue)).toBe(false);
      expect(await pauseLeft()).toBeGreaterThan(119_000);
      await queue.removeRateLimitKey();

      await breakerPaused();
      expect(await liftBreakerPause(eventsQueue)).toBe(true);
      await probeAnswered();
      expect(await pauseLeft()).toBeGreaterThan(119_000);
      await queue.removeRateLimitKey();

      // At once, from two connections.
      await breakerPaused();
      await Promise.all([liftBreakerPause(eventsQueue), probeAnswered()]);
      expect(await value()).toBe(RATE_LIMIT);
      expect(await pauseLeft()).toBeGreaterThan(119_000);
    });

    it('keeps a shorter 429 pause that came over a longer breaker pause: the queue waits to the end, not lifted', async () => {
      await pauseQueueAtLeast(workerA, 30_000, 'breaker');
      // Our own 1 s pause (no Retry-After), e.g. the probe's answer.
      await pauseQueueAtLeast(workerB, 1_000, 'rate-limit');
      expect(await value()).toBe(RATE_LIMIT);
      expect(await liftBreakerPause(eventsQueue)).toBe(false);
      expect(await pauseLeft()).toBeGreaterThan(29_000);
    });

    it('keeps a 429 pause a breaker pause came over: extended, still not lifted', async () => {
      await pauseQueueAtLeast(workerA, 1_000, 'rate-limit');
      await pauseQueueAtLeast(workerB, 30_000, 'breaker');
      expect(await value()).toBe(RATE_LIMIT);
      expect(await pauseLeft()).toBeGreaterThan(29_000);
      expect(await liftBreakerPause(eventsQueue)).toBe(false);
      expect(await pauseLeft()).toBeGreaterThan(29_000);
      await queue.removeRateLimitKey();

      // A breaker pause never shortens a longer 429 pause either.
      await pauseQueueAtLeast(workerA, 120_000, 'rate-limit');
      expect(await pauseQueueAtLeast(workerB, 5_000, 'breaker')).toBeGreaterThan(119_000);
      expect(await liftBreakerPause(eventsQueue)).toBe(false);
      expect(await pauseLeft()).toBeGreaterThan(119_000);
    });

    it("leaves the limiter's job counter of the running window", async () => {
      await (await client()).set(queue.keys.limiter, '2', { PX: 800 });
      expect(await liftBreakerPause(eventsQueue)).toBe(false);
      expect(await value()).toBe('2');
    });

    it('reads as "limit reached" for the highest limiter max the config allows, either kind', async () => {
      for (const kind of ['breaker', 'rate-limit'] as const) {
        await pauseQueueAtLeast(workerA, 10_000, kind);
        expect(await queue.getRateLimitTtl(Number.MAX_SAFE_INTEGER)).toBeGreaterThan(9_000);
        await queue.removeRateLimitKey();
      }
    });

    describe('onBreakerChange', () => {
      const logs = memoryLogger('info');
      const alerts = { providerAvailability: () => Promise.resolve() } as unknown as AlertPublisher;
      const deps = {
        logger: logs.logger,
        alerts,
        queues: { nicepay: eventsQueue } as unknown as Record<ProviderName, Queue>,
      };
      const since = new Date(Date.now() - 60_000);
      const change = (state: 'open' | 'closed') =>
        onBreakerChange(
          { provider: 'nicepay', state, since, reason: null, lastSuccessAt: new Date() },
          deps,
        );
      /**
       * The recovery's Redis call is not awaited (a breaker hook returns nothing): a command
       * sent after it on the same connection (the events queue's) is answered after it.
       */
      const settled = () => connections[1].ping();

      it("keeps a 429's pause of 120 s in force when the breaker closes", async () => {
        await pauseQueueAtLeast(workerA, 120_000, 'rate-limit');
        change('closed');
        await settled();
        expect(await value()).toBe(RATE_LIMIT);
        expect(await pauseLeft()).toBeGreaterThan(119_000);
      });

      it("lifts the breaker's own pause when it closes, not when it opens", async () => {
        await pauseQueueAtLeast(workerA, 30_000, 'breaker');
        change('open');
        await settled();
        expect(await pauseLeft()).toBeGreaterThan(29_000);
        change('closed');
        await settled();
        expect(await pauseLeft()).toBe(0);
        expect(await connections[0].exists(queue.keys.limiter)).toBe(0);
        expect(logs.lines.join('\n')).not.toContain('could not resume');
      });
    });
  });
});
