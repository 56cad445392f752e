import { Inject, Injectable } from '@nestjs/common';
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
import { APP_LOGGER, Logger } from '@app/infra';
import { AlertWebhookJobData } from '@app/queue';
import { discrepanciesRepository, signWebhook, WEBHOOK_HEADERS } from '@app/reconciliation';

/**
 * Delivers one alert to its subscribed URL, signed with HMAC-SHA256, with the event and a
 * delivery id (the same on every retry) in headers. A non-2xx answer, a network error or no
 * answer within WEBHOOK_TIMEOUT_MS throws, so BullMQ retries with exponential backoff; that
 * deadline also bounds how long the worker's stop waits for a delivery in flight. The URL
 * never appears in an error or a log line: only its scheme and host (its path often carries a
 * token).
 *
 * A job names its subscriber by a fingerprint of the URL; the URL and the signing secret come
 * from this worker's own WEBHOOK_* settings. A job for a subscriber this worker does not know
 * (the producer has settings the worker lacks, or they differ) fails and is retried like a
 * refused delivery, with a warning: it must never complete as if delivered.
 */
@Injectable()
export class WebhookDelivery {
  /** This worker's subscribers by id. */
  readonly subscriptions: ReadonlyMap<string, WebhookSubscription>;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.subscriptions = new Map(webhookSubscriptions(config).map((s) => [s.id, s]));
  }

  /** Sends `job`'s alert (taken from `queue`); resolves with the receiver's 2xx status. */
  async deliver(job: Job<AlertWebhookJobData>, queue: string): Promise<{ status: number }> {
    const data = job.data;
    const subscription = this.subscriptions.get(data.subscriber);
    const secret = this.config.WEBHOOK_SECRET;
    // What every warning about this delivery names.
    const delivery = {
      queue,
      jobId: job.id,
      subscriber: data.subscriber,
      event: data.event,
      deliveryId: data.deliveryId,
      attempt: job.attemptsMade + 1,
    };
    // Not "nobody to tell": the job was queued because some process has this subscriber. Most
    // often this worker lacks the producer's WEBHOOK_* settings; completing would drop the
    // alert for good (the delivery id is the job id, so queuing it again would do nothing).
    if (!subscription || !secret) {
      const missing = !subscription
        ? 'no WEBHOOK_URL or WEBHOOK_SUBSCRIPTIONS entry for it'
        : 'no WEBHOOK_SECRET to sign with';
      this.logger.warn(
        delivery,
        `webhook not delivered: this worker has ${missing} (give it the same WEBHOOK_* settings as the producer)`,
      );
      throw new Error(
        `webhook subscriber ${data.subscriber} unknown to this worker: it has ${missing}; give the worker the same WEBHOOK_* settings as the producer (retried)`,
      );
    }
    const timestamp = String(Math.floor(Date.now() / 1000));
    const where = describeWebhookUrl(subscription.url);
    // Each failed attempt is logged: the alert on failed deliveries fires only once a delivery
    // has used up its attempts (34 to 68 minutes), and a tester saw a receiver down for five
    // attempts without a line at any level.
    const failed = (message: string) => {
      this.logger.warn(
        Object.assign({}, delivery, { attempts: job.opts.attempts }),
        `webhook delivery failed: ${message}`,
      );
      return new Error(message);
    };
    // One deadline for the whole attempt (connect, send, answer): undici's own timeouts are per
    // phase and the body one is per chunk, so a receiver trickling a byte now and then held the
    // delivery, a slot of the queue's concurrency and the worker's stop, for days.
    const timeoutMs = this.config.WEBHOOK_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(timeoutMs);
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
        signal: deadline,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      // The status is the answer: the body is not read (one still coming ends its connection).
      res.body.on('error', () => undefined).destroy();
    } catch (e) {
      if (deadline.aborted)
        throw failed(
          `webhook ${where} did not answer within WEBHOOK_TIMEOUT_MS (${timeoutMs} ms) for ${data.deliveryId}`,
        );
      throw failed(
        `webhook ${where} unreachable for ${data.deliveryId}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`,
      );
    }
    if (status < 200 || status >= 300)
      throw failed(`webhook ${where} answered HTTP ${status} for ${data.deliveryId}`);
    if (data.event === 'discrepancy.opened' && data.discrepancyId)
      await discrepanciesRepository.markNotified(this.ds, data.discrepancyId);
    if (data.event === 'discrepancy.reopened' && data.discrepancyId && data.reopenedRunId)
      await discrepanciesRepository.markReopenNotified(this.ds, {
        discrepancyId: data.discrepancyId,
        runId: data.reopenedRunId,
      });
    return { status };
  }
}
