import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { request } from 'undici';
import { APP_CONFIG, APP_LOGGER, AppConfig, Logger } from '@app/config';
import { WEBHOOK_QUEUE } from '@app/queue';
import {
  discrepancyOpenedBody,
  loadDiscrepancy,
  signWebhook,
  WEBHOOK_HEADERS,
} from '@app/reconciliation';

/** Payload of a webhook job: the discrepancy's id only. */
export interface WebhookJobData {
  discrepancyId: string;
}

/**
 * Delivers each newly opened discrepancy to WEBHOOK_URL, signed with HMAC-SHA256. A non-2xx
 * answer or a network error throws, so BullMQ retries with exponential backoff.
 */
@Processor(WEBHOOK_QUEUE, { concurrency: 4 })
export class WebhookProcessor extends WorkerHost {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  /** A Redis hiccup must be logged, not crash the process (an unhandled 'error' event would). */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn({ queue: WEBHOOK_QUEUE, err: error.message }, 'queue worker error');
  }

  async process(job: Job<WebhookJobData>): Promise<{ status: number } | { skipped: string }> {
    const url = this.config.WEBHOOK_URL;
    const secret = this.config.WEBHOOK_SECRET;
    if (!url || !secret) return { skipped: 'no WEBHOOK_URL' };
    const discrepancy = await loadDiscrepancy(this.ds, job.data.discrepancyId);
    if (!discrepancy) return { skipped: `discrepancy ${job.data.discrepancyId} does not exist` };
    const body = discrepancyOpenedBody(discrepancy);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [WEBHOOK_HEADERS.event]: 'discrepancy.opened',
        [WEBHOOK_HEADERS.timestamp]: timestamp,
        [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, body),
      },
      body,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new Error(`webhook answered HTTP ${res.statusCode} for discrepancy ${discrepancy.id}`);
    }
    await this.ds.query(`UPDATE discrepancies SET notified_at = now() WHERE id = $1`, [
      discrepancy.id,
    ]);
    return { status: res.statusCode };
  }
}
