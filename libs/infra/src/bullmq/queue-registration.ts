import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { ALL_QUEUES, balanceQueueName, webhookQueueName } from '@app/queue';
import { PROVIDERS } from '@app/snap';
import { AppConfig, webhookSubscriptions } from '@app/config';
import { balanceQueuePrefix, queuePrefix } from '../redis/redis-connection';

/** BullMQ's root module on the given connection, and every queue of the catalogue. */
export interface QueueRegistration {
  root: DynamicModule;
  queues: DynamicModule;
  /** The name of every queue registered. */
  names: string[];
}

/** The settings that name the queues: the webhook subscribers each have a queue. */
export type QueueSettings = Pick<
  AppConfig,
  | 'REDIS_CLUSTER_NODES'
  | 'QUEUE_PREFIX'
  | 'WEBHOOK_URL'
  | 'WEBHOOK_EVENTS'
  | 'WEBHOOK_SUBSCRIPTIONS'
>;

/**
 * Every queue of the product under these settings: the fixed ones and a queue per webhook
 * subscriber.
 */
export function productQueueNames(config: QueueSettings): string[] {
  return [...ALL_QUEUES, ...webhookSubscriptions(config).map((s) => webhookQueueName(s.id))];
}

/**
 * Registers BullMQ on one Redis connection and every queue of the product. On Cluster each
 * provider's queue has its own hash tag, so the providers spread over the masters; the other
 * queues share the common prefix.
 */
export function registerQueues(config: QueueSettings, redis: Redis | Cluster): QueueRegistration {
  const names = productQueueNames(config);
  const queues = BullModule.registerQueue(
    ...names.map((name) => {
      const provider = PROVIDERS.find((p) => balanceQueueName(p) === name);
      return provider ? { name, prefix: balanceQueuePrefix(config, provider) } : { name };
    }),
  );
  return {
    root: BullModule.forRoot({ connection: redis, prefix: queuePrefix(config) }),
    queues,
    names,
  };
}
