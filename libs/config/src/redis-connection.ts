import IORedis, { Cluster, Redis, RedisOptions } from 'ioredis';
import type { AppConfig } from './config.schema';

type RedisSettings = Pick<
  AppConfig,
  'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_CLUSTER_NODES' | 'QUEUE_PREFIX'
>;

const hostPort = (s: string) => {
  const [host, port] = s.split(':');
  return { host, port: Number(port) };
};

/**
 * A Redis connection for BullMQ and the token cache: a single node from `REDIS_URL`,
 * Sentinel when `REDIS_SENTINELS` is set, Cluster when `REDIS_CLUSTER_NODES` is set.
 * `maxRetriesPerRequest: null` is what BullMQ workers require to wait out a Redis restart.
 */
export function createRedisConnection(config: RedisSettings, name = 'snap-recon'): Redis | Cluster {
  const common: RedisOptions = { maxRetriesPerRequest: null, connectionName: name };
  if (config.REDIS_CLUSTER_NODES.length > 0) {
    return new Cluster(config.REDIS_CLUSTER_NODES.map(hostPort), { redisOptions: common });
  }
  if (config.REDIS_SENTINELS.length > 0) {
    return new IORedis({
      ...common,
      sentinels: config.REDIS_SENTINELS.map(hostPort),
      name: config.REDIS_SENTINEL_NAME,
    });
  }
  return new IORedis(config.REDIS_URL, common);
}

/** BullMQ on Cluster needs every key of a queue in one slot: wrap the prefix in a hash tag. */
export function queuePrefix(config: RedisSettings): string {
  const prefix = config.QUEUE_PREFIX;
  if (config.REDIS_CLUSTER_NODES.length > 0 && !prefix.includes('{')) return `{${prefix}}`;
  return prefix;
}
