import Redis from 'ioredis';
import { InstanceLease } from '@app/snap';
import { uniq } from './support/world';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Instance numbers of X-EXTERNAL-IDs leased in the real Redis; each test its own key prefix. */
describe('X-EXTERNAL-ID instance lease', () => {
  const keyPrefix = `test:lease:${uniq()}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const leases: InstanceLease[] = [];
  /** A scripted draw of instance numbers, so collisions happen on purpose. */
  const draws = (...numbers: number[]) => {
    const queue = [...numbers];
    return () => queue.shift() ?? 999;
  };
  const acquire = async (pick: () => number, onChange?: (e: { reason: string }) => void) => {
    const lease = await InstanceLease.acquire(redis, { keyPrefix, pick, onChange });
    leases.push(lease);
    return lease;
  };
  const instanceOf = (id: string) => Number(id.slice(13, 20));

  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.release();
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length) await redis.del(...keys);
  });
  afterAll(() => redis.disconnect());

  it('skips a number another process holds', async () => {
    const a = await acquire(draws(5));
    const b = await acquire(draws(5, 5, 6));
    expect(a.instanceId).toBe(5);
    expect(b.instanceId).toBe(6);
    expect(instanceOf(b.ids.next())).toBe(6);
    expect(await redis.pttl(`${keyPrefix}:5`)).toBeGreaterThan(0);
  });

  it('takes its number back when Redis lost it, keeping the number', async () => {
    const reasons: string[] = [];
    const a = await acquire(draws(7), (e) => reasons.push(e.reason));
    await redis.del(`${keyPrefix}:7`);
    await a.renew();
    expect(a.instanceId).toBe(7);
    expect(await redis.exists(`${keyPrefix}:7`)).toBe(1);
    expect(reasons).toEqual(['lease lost by Redis; taken back']);
  });

  it('moves to a free number when, after a wipe, another process took its number: no id in common', async () => {
    const a = await acquire(draws(7, 8));
    const before = Array.from({ length: 1000 }, () => a.ids.next(1_700_000_000_000));
    // Redis restarted empty; a new process draws the very number a still uses.
    await redis.del(`${keyPrefix}:7`);
    const b = await acquire(draws(7));
    expect(b.instanceId).toBe(7);
    await a.renew();
    expect(a.instanceId).toBe(8);
    // One millisecond for both: only the instance digits and the sequence tell them apart.
    const afterA = Array.from({ length: 1000 }, () => a.ids.next(1_700_000_000_001));
    const fromB = Array.from({ length: 2000 }, () => b.ids.next(1_700_000_000_001));
    expect(afterA.every((id) => instanceOf(id) === 8)).toBe(true);
    const all = [...before, ...afterA, ...fromB];
    expect(new Set(all).size).toBe(all.length);
  });

  it('release frees the number for the next process', async () => {
    const a = await acquire(draws(9));
    await a.release();
    leases.splice(leases.indexOf(a), 1);
    expect(await redis.exists(`${keyPrefix}:9`)).toBe(0);
    const b = await acquire(draws(9));
    expect(b.instanceId).toBe(9);
  });
});
