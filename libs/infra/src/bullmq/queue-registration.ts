import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { ALL_QUEUES, balanceQueueName } from '@app/queue';
import { PROVIDERS } from '@app/snap';
import type { AppConfig } from '@app/config';
import { balanceQueuePrefix, queuePrefix } from '../redis/redis-connection';

/** BullMQ's root module on the given connection, and every queue of the catalogue. */
export interface QueueRegistration {
  root: DynamicModule;
  queues: DynamicModule;
}

/**
 * Registers BullMQ on one Redis connection and every queue of the product. On Cluster each
 * provider's queue has its own hash tag, so the providers spread over the masters; the other
 * queues share the common prefix.
 */
export function registerQueues(
  config: Pick<AppConfig, 'REDIS_CLUSTER_NODES' | 'QUEUE_PREFIX'>,
  redis: Redis | Cluster,
): QueueRegistration {
  const queues = BullModule.registerQueue(
    ...ALL_QUEUES.map((name) => {
      const provider = PROVIDERS.find((p) => balanceQueueName(p) === name);
      return provider ? { name, prefix: balanceQueuePrefix(config, provider) } : { name };
    }),
  );
  return { root: BullModule.forRoot({ connection: redis, prefix: queuePrefix(config) }), queues };
}
