import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { within } from '../within';

/**
 * A PING for health and reachability checks: rejects at once, without sending, while the
 * connection is not ready. ioredis keeps commands given to a connection that is away in its
 * offline queue and sends them all when it is back: a probe every few seconds through an
 * outage of hours would pile up thousands of PINGs. Otherwise, `within` `ms`.
 */
export async function pingRedis(redis: Redis | Cluster, ms: number): Promise<void> {
  assertRedisReady(redis);
  await within(ms, redis.ping());
}

/** Rejects at once unless each queue's own connection is ready (see {@link pingRedis}). */
export async function queueConnectionsReady(queues: readonly Queue[]): Promise<void> {
  for (const queue of queues) assertRedisReady((await queue.client) as unknown as Redis);
}

/** Throws, naming the connection's state, unless it is ready (see {@link pingRedis}). */
export function assertRedisReady(redis: Redis | Cluster): void {
  if (redis.status !== 'ready') throw new Error(`Redis connection is ${redis.status}`);
}
