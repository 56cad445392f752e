import { InjectQueue, OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { APP_LOGGER, JobWorkerHost, Logger } from '@app/infra';
import {
  AlertWebhookJobData,
  DiscrepancyWebhookJobData,
  JOB,
  OnJob,
  WEBHOOK_QUEUE,
  isSubscriberWebhookQueue,
  webhookQueueName,
  webhookSubscribersKey,
} from '@app/queue';
import { AlertPublisher } from '@app/reconciliation';
import { DELIVERIES_IN_FLIGHT } from './subscriber-webhook.processor';
import { WebhookDelivery } from './webhook-delivery.service';

/** Alert jobs of the shared queue the start-up check looks at, at most. */
const STARTUP_CHECK_JOBS = 1000;

/** The states of a job not yet delivered nor given up. */
const PENDING = ['waiting', 'delayed', 'prioritized', 'paused'] as const;

/**
 * The queue all subscribers shared before each had its own (`discrepancy-webhooks`): its jobs
 * are still delivered (`alert-webhook`) or published again (`discrepancy-webhook`, from before
 * alerts), so an upgrade loses none. New alerts go to each subscriber's queue
 * ({@link subscriberWebhookProcessor}).
 *
 * At start it also warns about subscribers it has no WEBHOOK_* settings for: named by jobs on
 * this queue, or recorded by the producers (`webhook-subscribers` in Redis).
 */
@Processor(WEBHOOK_QUEUE, { concurrency: DELIVERIES_IN_FLIGHT })
export class WebhookProcessor extends JobWorkerHost implements OnApplicationBootstrap {
  private startupCheck: Promise<void> = Promise.resolve();

  constructor(
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly alerts: AlertPublisher,
    private readonly delivery: WebhookDelivery,
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  /**
   * At start, a look for webhook subscribers the producers publish to (recorded in Redis, or
   * named by jobs on the shared queue) that this worker has no WEBHOOK_* settings for: one
   * warning (the ids, the queues holding their pending alerts, a count). Such a worker does not
   * send their queued alerts (on the shared queue it fails them, retried) and announces the runs
   * it finishes to none of them. In the background: a Redis that is not there yet does not hold
   * the start.
   */
  onApplicationBootstrap(): void {
    this.startupCheck = this.unknownSubscribers().then(
      ({ subscribers, queues, jobs }) => {
        if (subscribers.length > 0)
          this.logger.warn(
            { subscribers, queues, jobs },
            'webhook subscribers this worker has no WEBHOOK_* settings for: it does not send their queued alerts, nor announce the runs it finishes to them (give the worker the same WEBHOOK_URL, WEBHOOK_SUBSCRIPTIONS and WEBHOOK_SECRET as the producer; a subscriber removed from the settings: clean its queue in Bull Board)',
          );
      },
      (e: Error) =>
        this.logger.warn(
          { queue: WEBHOOK_QUEUE, err: e.message },
          'webhook start-up check failed: subscribers this worker has no settings for may go unnoticed',
        ),
    );
  }

  override async beforeApplicationShutdown(): Promise<void> {
    await this.startupCheck;
    await super.beforeApplicationShutdown();
  }

  /**
   * The subscribers this worker does not know, with the queues holding their pending alerts and
   * how many. A subscriber's queue that cannot be read is a warning of its own.
   */
  private async unknownSubscribers(): Promise<{
    subscribers: string[];
    queues: string[];
    jobs: number;
  }> {
    const known = this.delivery.subscriptions;
    const subscribers = new Set<string>();
    const queues = new Set<string>();
    let jobs = 0;
    for (const j of await this.queue.getJobs([...PENDING], 0, STARTUP_CHECK_JOBS - 1))
      if (
        j?.name === JOB.alertWebhook &&
        typeof j.data?.subscriber === 'string' &&
        !known.has(j.data.subscriber)
      ) {
        subscribers.add(j.data.subscriber as string);
        queues.add(WEBHOOK_QUEUE);
        jobs++;
      }
    const client = await this.queue.client;
    const recorded = await client.smembers(webhookSubscribersKey(this.queue.opts.prefix!));
    for (const id of recorded) {
      const name = webhookQueueName(id);
      if (known.has(id) || !isSubscriberWebhookQueue(name)) continue;
      subscribers.add(id);
      try {
        const theirs = new Queue(name, { connection: client, prefix: this.queue.opts.prefix });
        try {
          const pending = Object.values(await theirs.getJobCounts(...PENDING)).reduce(
            (a, b) => a + b,
            0,
          );
          if (pending > 0) {
            queues.add(name);
            jobs += pending;
          }
        } finally {
          await theirs.close();
        }
      } catch (e) {
        this.logger.warn(
          { queue: name, err: (e as Error).message },
          'webhook start-up check could not read a subscriber queue',
        );
      }
    }
    return { subscribers: [...subscribers], queues: [...queues], jobs };
  }

  /** A Redis hiccup must be logged, not crash the process (an unhandled 'error' event would). */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn({ queue: WEBHOOK_QUEUE, err: error.message }, 'queue worker error');
  }

  /**
   * A job queued before alerts existed: published again as a `discrepancy.opened` alert. A
   * worker that has no subscriber for that event fails it (retried) rather than complete it
   * with nothing published: such jobs were queued because a WEBHOOK_URL was set.
   */
  @OnJob(JOB.discrepancyWebhook)
  async republish(job: Job<DiscrepancyWebhookJobData>): Promise<{ republished: string }> {
    const { discrepancyId } = job.data;
    if (!this.alerts.wants('discrepancy.opened'))
      throw new Error(
        `discrepancy ${discrepancyId}: this worker has no WEBHOOK_URL or WEBHOOK_SUBSCRIPTIONS entry for discrepancy.opened; give the worker the same WEBHOOK_* settings as the producer (retried)`,
      );
    await this.alerts.discrepanciesOpened([discrepancyId]);
    return { republished: `discrepancy ${discrepancyId}` };
  }

  /** An alert queued here before each subscriber had a queue: delivered as it was. */
  @OnJob(JOB.alertWebhook)
  async deliver(
    job: Job<AlertWebhookJobData | DiscrepancyWebhookJobData>,
  ): Promise<{ status: number } | { republished: string }> {
    // An old job of the alert name with only a discrepancy id is one from before alerts too.
    if (!('event' in job.data)) return this.republish(job as Job<DiscrepancyWebhookJobData>);
    return this.delivery.deliver(job as Job<AlertWebhookJobData>, WEBHOOK_QUEUE);
  }
}
