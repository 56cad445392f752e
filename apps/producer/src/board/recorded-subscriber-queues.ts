import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { InjectBullBoard, type BullBoardInstance } from '@bull-board/nestjs';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { APP_CONFIG, AppConfig, webhookSubscriptions } from '@app/config';
import { APP_LOGGER, Logger, queuePrefix, REDIS, whenRedisReady } from '@app/infra';
import { isSubscriberWebhookQueue, webhookQueueName, webhookSubscribersKey } from '@app/queue';

/**
 * Adds to Bull Board and `/metrics`, at start, the delivery queue of every subscriber an alert
 * was once published to (recorded in Redis) that these settings no longer have, while it holds
 * a delivery not yet made (waiting, delayed, active or failed): no worker sends those alerts any
 * more, and here an admin sees them and can clean the queue. A recorded subscriber with none is
 * forgotten (taken out of the record; its delivered jobs are left to age out), so the list and
 * the workers' start-up warning do not grow for good.
 */
/** The states of a delivery not made yet (a completed one is made; failed ones can be retried). */
const UNDELIVERED = [
  'waiting',
  'delayed',
  'prioritized',
  'paused',
  'active',
  'waiting-children',
  'failed',
] as const;

@Injectable()
export class RecordedSubscriberQueues implements OnApplicationBootstrap, OnApplicationShutdown {
  /** The queues listed (for `/metrics` too); filled once Redis is ready after the start. */
  readonly queues: Queue[] = [];
  private started: Promise<void> = Promise.resolve();

  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    @Inject(REDIS) private readonly redis: Redis | Cluster,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.started = whenRedisReady(this.redis, this.logger, 'list removed webhook subscribers', () =>
      this.addRemoved(),
    ).catch((e: Error) =>
      this.logger.warn({ err: e.message }, 'removed webhook subscribers not listed in Bull Board'),
    );
  }

  private async addRemoved(): Promise<void> {
    const prefix = queuePrefix(this.config);
    const key = webhookSubscribersKey(prefix);
    const known = new Set(webhookSubscriptions(this.config).map((s) => s.id));
    for (const id of await this.redis.smembers(key)) {
      const name = webhookQueueName(id);
      if (known.has(id)) continue;
      if (!isSubscriberWebhookQueue(name)) {
        await this.redis.srem(key, id);
        continue;
      }
      const queue = new Queue(name, { connection: this.redis, prefix });
      queue.on('error', (err: Error) =>
        this.logger.warn({ queue: name, err: err.message }, 'queue connection error'),
      );
      let listed = false;
      try {
        const undelivered = await queue.getJobCounts(...UNDELIVERED);
        if (Object.values(undelivered).some((n) => n > 0)) {
          this.board.addQueue(new BullMQAdapter(queue, { readOnlyMode: false }));
          this.queues.push(queue);
          listed = true;
        } else await this.redis.srem(key, id);
      } catch (e) {
        this.logger.warn(
          { queue: name, err: (e as Error).message },
          'a removed webhook subscriber queue could not be read; not listed',
        );
      } finally {
        if (!listed) await queue.close();
      }
    }
    if (this.queues.length > 0)
      this.logger.info(
        { queues: this.queues.map((q) => q.name) },
        'webhook queues of subscribers no longer in the settings are listed in Bull Board',
      );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.started;
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
