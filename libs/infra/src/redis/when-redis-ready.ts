import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logging/logger';

/** How long start-up waits for a Redis connection still connecting before it goes on. */
export const REDIS_READY_GRACE_MS = 5_000;

/**
 * Start-up work that needs Redis: done now (awaited, its errors stop the start) when the
 * connection is ready within `graceMs`, as it is within milliseconds of a start with Redis up;
 * else once Redis is ready, its failure then logged. A producer started while Redis is down so
 * still listens and answers its probes (`/health/live` 200, `/health/ready` 503) instead of
 * waiting in its start-up for Redis, where a liveness probe would restart it again and again.
 */
export async function whenRedisReady(
  redis: Redis | Cluster,
  logger: Logger,
  what: string,
  work: () => Promise<void>,
  graceMs = REDIS_READY_GRACE_MS,
): Promise<void> {
  if (redis.status === 'ready' || (await readyWithin(redis, graceMs))) return work();
  logger.warn({ what, redis: redis.status }, 'Redis is not ready: start-up work waits for it');
  redis.once('ready', () => {
    work().then(
      () => logger.info({ what }, 'start-up work done now that Redis is ready'),
      (e: unknown) => logger.error({ what, err: (e as Error).message }, 'start-up work failed'),
    );
  });
}

function readyWithin(redis: Redis | Cluster, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, ms);
    redis.once('ready', onReady);
  });
}
