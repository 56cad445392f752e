import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { AppConfig } from '@app/config';
import { balanceQueuePrefix } from '@app/infra';
import { balanceQueueName } from '@app/queue';
import { PROVIDERS } from '@app/snap';

/** True when every balance queue of the config's prefix has at least `count` workers connected. */
export async function workersReady(
  redis: Redis | Cluster,
  config: AppConfig,
  count: number,
): Promise<boolean> {
  const queues = PROVIDERS.map(
    (p) =>
      new Queue(balanceQueueName(p), { connection: redis, prefix: balanceQueuePrefix(config, p) }),
  );
  try {
    const counts = await Promise.all(queues.map((q) => q.getWorkersCount()));
    return counts.every((n) => n >= count);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}
