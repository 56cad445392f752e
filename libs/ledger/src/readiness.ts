import type { Cluster, Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { pingRedis, within } from '@app/infra';
import { databaseRepository } from './repositories';

/** Each dependency's state (the worker's `/health/ready`, the shutdown deadline): `up`, or why it is down. */
export type Readiness = Record<'postgres' | 'redis', { status: 'up' | 'down'; message?: string }>;

/**
 * Asks Postgres (a statement on the apps' tables, so a dropped schema is down too) and Redis
 * (`PING`) at once, each with a 2 s limit.
 */
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
      probe(() => databaseRepository.pingTables(dataSource)),
      probe(() => pingRedis(redis, timeoutMs)),
    ]);
    return { postgres, redis: redisState };
  };
}

/** True when both answer (see {@link readinessCheck}). */
export function bothAnswer(check: () => Promise<Readiness>): () => Promise<boolean> {
  return async () => Object.values(await check()).every((s) => s.status === 'up');
}
