import { Cluster, Redis } from 'ioredis';
import type { AppConfig } from '@app/config';
import { createRedisConnection, prefixPatterns } from './redis-connection';

type Settings = Parameters<typeof createRedisConnection>[0] & Pick<AppConfig, 'QUEUE_PREFIX'>;

/** The masters of a connection: every master of a Cluster, else the one node. */
export async function masterNodes(redis: Redis | Cluster): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis.nodes('master');
}

/** The keys of this deployment's prefix on `redis`, a SCAN batch at a time, with their master. */
async function* prefixKeyBatches(
  redis: Redis | Cluster,
  config: Settings,
): AsyncGenerator<{ node: Redis; keys: string[] }> {
  for (const node of await masterNodes(redis)) {
    for (const match of prefixPatterns(config)) {
      for await (const keys of node.scanStream({ match, count: 1000 })) {
        if ((keys as string[]).length > 0) yield { node, keys: keys as string[] };
      }
    }
  }
}

/** Whether any key of this deployment's `QUEUE_PREFIX` exists, on any master (SCAN). */
export async function hasPrefixKeys(config: Settings): Promise<boolean> {
  const redis = createRedisConnection(config, 'snap-recon-cleanup');
  try {
    for await (const _batch of prefixKeyBatches(redis, config)) return true;
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * Deletes every key of this deployment's `QUEUE_PREFIX` (queues of every tag, tokens, leases,
 * limiter keys) through the same connection factory as the apps, so it finds them in every
 * mode: on each master of a Cluster, on the master Sentinel names. SCAN, never KEYS; one key
 * per UNLINK, since a multi-key command on Cluster must stay within one slot. Returns how many.
 * Meant for the demo, the bench and tests; it never touches keys of another prefix.
 */
export async function deletePrefixKeys(config: Settings): Promise<number> {
  const redis = createRedisConnection(config, 'snap-recon-cleanup');
  let deleted = 0;
  try {
    for await (const { node, keys } of prefixKeyBatches(redis, config)) {
      const batch = node.pipeline();
      for (const key of keys) batch.unlink(key);
      await batch.exec();
      deleted += keys.length;
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}
