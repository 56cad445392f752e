import { Queue, Worker } from 'bullmq';
import {
  createRedisConnection,
  deletePrefixKeys,
  pauseQueueAtLeast,
  queuePrefix,
} from '@app/infra';
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
  /** The pause BullMQ's workers read: the limiter key's TTL once it is at the limiter's max. */
  const pauseLeft = () => queue.getRateLimitTtl(LIMITER_MAX);

  afterEach(() => queue.removeRateLimitKey());
  afterAll(async () => {
    await Promise.all([workerA.close(), workerB.close(), queue.close()]);
    await Promise.all(connections.map((c) => c.quit()));
    await deletePrefixKeys(config);
  });

  it('pauses a queue that is not paused, for that long', async () => {
    expect(await pauseQueueAtLeast(workerA, 2_000)).toBe(2_000);
    const left = await pauseLeft();
    expect(left).toBeGreaterThan(1_900);
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
    expect(await pauseLeft()).toBeGreaterThan(4_900);

    await client.set(queue.keys.limiter, '2', { PX: 800 });
    await pauseQueueAtLeast(workerA, 100);
    const left = await pauseLeft();
    expect(left).toBeGreaterThan(700);
    expect(left).toBeLessThanOrEqual(800);
  });

  it('takes a fractional or zero pause as a whole millisecond or more (Redis refuses PX 0)', async () => {
    expect(await pauseQueueAtLeast(workerA, 0)).toBe(1);
    await queue.removeRateLimitKey();
    expect(await pauseQueueAtLeast(workerA, 1_500.2)).toBe(1_501);
  });
});
