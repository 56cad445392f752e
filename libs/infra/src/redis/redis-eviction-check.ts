import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_LOGGER } from '../logging/logger';
import { masterNodes } from './redis-prefix-cleanup';
import { REDIS } from './redis.token';

/** What one Redis node answered for `maxmemory-policy` (`policy` null: it would not say). */
export interface EvictionPolicy {
  node: string;
  policy: string | null;
}

const nodeName = (r: Redis) => `${r.options.host ?? '?'}:${r.options.port ?? '?'}`;

/**
 * Reads `maxmemory-policy` from every master and warns, naming the node and the policy, for
 * anything but `noeviction`: an evicting Redis drops BullMQ's keys under memory pressure (a
 * job, a lock, the job scheduler), which BullMQ cannot detect. A Redis that refuses `CONFIG`
 * (many managed services rename it) gets an info line saying it could not be checked.
 */
export async function checkEvictionPolicy(
  redis: Redis | Cluster,
  logger: Logger,
): Promise<EvictionPolicy[]> {
  const nodes = await masterNodes(redis);
  const answers = await Promise.all(
    nodes.map(async (node): Promise<EvictionPolicy> => {
      try {
        const reply = (await node.config('GET', 'maxmemory-policy')) as string[];
        return { node: nodeName(node), policy: reply[1] ?? null };
      } catch {
        return { node: nodeName(node), policy: null };
      }
    }),
  );
  for (const { node, policy } of answers) {
    if (policy === null)
      logger.info(
        { node },
        'could not read Redis maxmemory-policy (CONFIG refused); make sure it is noeviction',
      );
    else if (policy !== 'noeviction')
      logger.warn(
        { node, maxmemoryPolicy: policy },
        `Redis maxmemory-policy is ${policy}, not noeviction: under memory pressure Redis will delete queue keys (jobs, locks, the run schedule)`,
      );
  }
  return answers;
}

/**
 * Warns at start-up when Redis may evict keys (see {@link checkEvictionPolicy}). Not awaited:
 * a Redis still down at start must not hold the app up; the check runs once it answers.
 */
@Injectable()
export class EvictionPolicyCheck implements OnApplicationBootstrap {
  constructor(
    @Inject(REDIS) private readonly redis: Redis | Cluster,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void checkEvictionPolicy(this.redis, this.logger).catch(() => undefined);
  }
}
