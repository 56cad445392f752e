import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { request } from 'undici';
import {
  APP_CONFIG,
  AppConfig,
  describeWebhookUrl,
  webhookSubscriptions,
  WebhookSubscription,
} from '@app/config';
import { APP_LOGGER, JobWorkerHost, Logger } from '@app/infra';
import {
  AlertWebhookJobData,
  DiscrepancyWebhookJobData,
  JOB,
  OnJob,
  WEBHOOK_QUEUE,
} from '@app/queue';
import {
  AlertPublisher,
  discrepanciesRepository,
  signWebhook,
  WEBHOOK_HEADERS,
} from '@app/reconciliation';

/**
 * Delivers alert events to their subscribed URLs, signed with HMAC-SHA256, with the event and
 * a delivery id (the same on every retry) in headers. A non-2xx answer or a network error
 * throws, so BullMQ retries with exponential backoff. The URL never appears in an error or a
 * log line: only its scheme and host (its path often carries a token).
 */
@Processor(WEBHOOK_QUEUE, { concurrency: 4 })
export class WebhookProcessor extends JobWorkerHost {
  private readonly subscriptions: Map<string, WebhookSubscription>;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly alerts: AlertPublisher,
  ) {
    super();
    this.subscriptions = new Map(webhookSubscriptions(config).map((s) => [s.id, s]));
  }

  /** A Redis hiccup must be logged, not crash the process (an unhandled 'error' event would). */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn({ queue: WEBHOOK_QUEUE, err: error.message }, 'queue worker error');
  }

  /** A job queued before alerts existed: published again as a `discrepancy.opened` alert. */
  @OnJob(JOB.discrepancyWebhook)
  async republish(job: Job<DiscrepancyWebhookJobData>): Promise<{ republished: string }> {
    const { discrepancyId } = job.data;
    await this.alerts.discrepanciesOpened([discrepancyId]);
    return { republished: `discrepancy ${discrepancyId}` };
  }

  @OnJob(JOB.alertWebhook)
  async deliver(
    job: Job<AlertWebhookJobData | DiscrepancyWebhookJobData>,
  ): Promise<{ status: number } | { skipped: string } | { republished: string }> {
    // An old job of the alert name with only a discrepancy id is one from before alerts too.
    if (!('event' in job.data)) return this.republish(job as Job<DiscrepancyWebhookJobData>);
    const data = job.data;
    const subscription = this.subscriptions.get(data.subscriber);
    const secret = this.config.WEBHOOK_SECRET;
    // The URL was unsubscribed (config changed) since the event: nobody to tell.
    if (!subscription || !secret) return { skipped: `no subscriber ${data.subscriber}` };
    const timestamp = String(Math.floor(Date.now() / 1000));
    const where = describeWebhookUrl(subscription.url);
    let status: number;
    try {
      const res = await request(subscription.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_HEADERS.event]: data.event,
          [WEBHOOK_HEADERS.delivery]: data.deliveryId,
          [WEBHOOK_HEADERS.timestamp]: timestamp,
          [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, data.body),
        },
        body: data.body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await res.body.dump();
      status = res.statusCode;
    } catch (e) {
      throw new Error(
        `webhook ${where} unreachable for ${data.deliveryId}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`,
      );
    }
    if (status < 200 || status >= 300)
      throw new Error(`webhook ${where} answered HTTP ${status} for ${data.deliveryId}`);
    if (data.event === 'discrepancy.opened' && data.discrepancyId)
      await discrepanciesRepository.markNotified(this.ds, data.discrepancyId);
    return { status };
  }
}
