import type { Cluster, Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { databaseRepository } from '@app/ledger';

/** Each dependency's state for the worker's `/health/ready`: `up`, or why it is down. */
export type Readiness = Record<'postgres' | 'redis', { status: 'up' | 'down'; message?: string }>;

/** Rejects after `ms`: a dependency that hangs is as down as one that refuses. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Asks Postgres (`SELECT 1`) and Redis (`PING`) at once, each with a 2 s limit. */
export function readinessCheck(
  dataSource: DataSource,
  redis: Redis | Cluster,
  timeoutMs = 2000,
): () => Promise<Readiness> {
  const probe = (work: () => Promise<unknown>) =>
    within(timeoutMs, work()).then(
      () => ({ status: 'up' as const }),
      (e: unknown) => ({ status: 'down' as const, message: (e as Error).message }),
    );
  return async () => {
    const [postgres, redisState] = await Promise.all([
      probe(() => databaseRepository.ping(dataSource)),
      probe(() => redis.ping()),
    ]);
    return { postgres, redis: redisState };
  };
}
