import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Type } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_LOGGER, JobWorkerHost, Logger } from '@app/infra';
import { AlertWebhookJobData, JOB, OnJob, webhookQueueName } from '@app/queue';
import { WebhookDelivery } from './webhook-delivery.service';

/** Alert deliveries in flight per subscriber and worker. */
export const DELIVERIES_IN_FLIGHT = 4;

/**
 * The processor of one subscriber's delivery queue: its alerts in order, {@link
 * DELIVERIES_IN_FLIGHT} at a time. Built per subscriber of the settings, so a receiver that
 * hangs holds up only its own queue, never another subscriber's alerts.
 */
export function subscriberWebhookProcessor(subscriberId: string): Type<JobWorkerHost> {
  const queue = webhookQueueName(subscriberId);

  @Processor(queue, { concurrency: DELIVERIES_IN_FLIGHT })
  class SubscriberWebhookProcessor extends JobWorkerHost {
    constructor(
      private readonly delivery: WebhookDelivery,
      @Inject(APP_LOGGER) private readonly logger: Logger,
    ) {
      super();
    }

    /** A Redis hiccup must be logged, not crash the process (an unhandled 'error' event would). */
    @OnWorkerEvent('error')
    onWorkerError(error: Error): void {
      this.logger.warn({ queue, err: error.message }, 'queue worker error');
    }

    @OnJob(JOB.alertWebhook)
    deliver(job: Job<AlertWebhookJobData>): Promise<{ status: number }> {
      return this.delivery.deliver(job, queue);
    }
  }
  // Nest tells providers apart by class: each subscriber's must have a name of its own.
  Object.defineProperty(SubscriberWebhookProcessor, 'name', {
    value: `SubscriberWebhookProcessor_${subscriberId}`,
  });
  return SubscriberWebhookProcessor;
}
