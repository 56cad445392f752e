import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BALANCE_QUEUES } from '@app/queue';

/** True when every balance queue under the prefix has at least `count` workers connected. */
export async function workersReady(redis: Redis, prefix: string, count: number): Promise<boolean> {
  const queues = BALANCE_QUEUES.map((name) => new Queue(name, { connection: redis, prefix }));
  try {
    const counts = await Promise.all(queues.map((q) => q.getWorkersCount()));
    return counts.every((n) => n >= count);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}
