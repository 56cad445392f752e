import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, type Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, webhookSubscriptions, WebhookSubscription } from '@app/config';
import {
  addJobs,
  AlertWebhookJobData,
  JOB,
  WEBHOOK_QUEUE,
  webhookJobOptions,
  webhookSubscribersKey,
} from '@app/queue';
import type { Cluster, Redis } from 'ioredis';
import { queuePrefix, REDIS, WEBHOOK_QUEUES } from '@app/infra';
import type { Actor } from '../audit-log';
import {
  discrepanciesResolvedByRun,
  DiscrepancyView,
  loadDiscrepancy,
  Reopening,
  undeliveredDiscrepancies,
  unannouncedReopenings,
} from '../discrepancies';
import * as runsRepository from '../repositories/runs.repository';
import { loadRun } from '../run-report';
import { AlertBody, AlertData, alertDeliveryId, AlertEvent } from './alert-events';
import { markStalledRuns } from './alert-figures';

/**
 * A failed alert delivery first queued longer ago than this is not retried at start: its news is
 * stale, and each retry would restart its retention clock (JOB_KEEP_FAILED_SECONDS), so one a
 * receiver always refuses would be sent again at every deploy and never age out.
 */
export const ALERT_RETRY_MAX_AGE_MS = 24 * 3_600_000;
/** Failed deliveries retried at once (one Redis round trip each). */
const RETRY_CHUNK = 50;
/**
 * Publishes alert events: one webhook job per event and subscribed URL, on that subscriber's
 * own delivery queue (the worker delivers, signed, with retries; a receiver that hangs holds up
 * only its own queue). An event nobody subscribed to costs nothing. Every method is safe to
 * call twice for the same event: the job id is the delivery id; a second call retries a
 * delivery that failed for good, and leaves a pending or delivered one.
 */
@Injectable()
export class AlertPublisher {
  private readonly subscriptions: WebhookSubscription[];
  /** Subscriber ids this process has put in {@link webhookSubscribersKey}. */
  private readonly registered = new Set<string>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    /** The queue all subscribers shared before: only its failed deliveries are looked at. */
    @InjectQueue(WEBHOOK_QUEUE) private readonly sharedQueue: Queue,
    /** Each subscriber's delivery queue, by subscriber id (InfraModule, from the same settings). */
    @Inject(WEBHOOK_QUEUES) private readonly queues: ReadonlyMap<string, Queue>,
    @Inject(REDIS) private readonly redis: Redis | Cluster,
  ) {
    this.subscriptions = webhookSubscriptions(config);
  }

  /** The delivery queue of subscriber `id`; throws naming it when there is none. */
  private queueOf(id: string): Queue {
    const queue = this.queues.get(id);
    if (!queue) throw new Error(`no delivery queue for webhook subscriber ${id}`);
    return queue;
  }

  /** Records the subscribers in Redis the first time this process publishes to them. */
  private async register(ids: readonly string[]): Promise<void> {
    const fresh = ids.filter((id) => !this.registered.has(id));
    if (fresh.length === 0) return;
    await this.redis.sadd(webhookSubscribersKey(queuePrefix(this.config)), ...fresh);
    for (const id of fresh) this.registered.add(id);
  }

  /** True when some URL receives `event`. */
  wants(event: AlertEvent): boolean {
    return this.subscriptions.some((s) => s.events.includes(event));
  }

  /**
   * A run finished: `run.finished`, then `discrepancy.opened` for each discrepancy it opened,
   * `discrepancy.reopened` for each acknowledged one it reopened (its difference moved) and
   * `discrepancy.resolved` for each it closed (its account matched again).
   */
  async runFinished(runId: string): Promise<void> {
    if (this.wants('run.finished')) {
      const run = await loadRun(this.ds, runId);
      if (run) await this.publish('run.finished', runId, { run });
    }
    if (this.wants('discrepancy.opened'))
      await this.discrepanciesOpened(await undeliveredDiscrepancies(this.ds, runId));
    if (this.wants('discrepancy.reopened'))
      await this.discrepanciesReopened(await unannouncedReopenings(this.ds, runId));
    if (this.wants('discrepancy.resolved')) {
      for (const id of await discrepanciesResolvedByRun(this.ds, runId)) {
        const discrepancy = await loadDiscrepancy(this.ds, id);
        if (discrepancy) await this.discrepancyResolved(discrepancy, null);
      }
    }
    await runsRepository.markAnnounced(this.ds, runId);
  }

  /**
   * Announces each finished run whose alerts were never queued (its worker died between
   * finishing it in Postgres and {@link runFinished}), finished more than `graceMs` ago; returns
   * their ids. Publishing is idempotent per delivery id, so a run announced twice is sent once.
   */
  async lostRunAnnouncements(graceMs: number): Promise<string[]> {
    const ids = await runsRepository.findUnannounced(this.ds, graceMs);
    for (const id of ids) await this.runFinished(id);
    return ids;
  }

  /** Finds runs past `RUN_DEADLINE_SECONDS` (each once) and announces them as `run.stalled`. */
  async stalledRuns(): Promise<string[]> {
    const ids = await markStalledRuns(this.ds, this.config.RUN_DEADLINE_SECONDS);
    if (!this.wants('run.stalled')) return ids;
    for (const id of ids) {
      const run = await loadRun(this.ds, id);
      if (run)
        await this.publish('run.stalled', id, {
          run,
          deadlineSeconds: this.config.RUN_DEADLINE_SECONDS,
        });
    }
    return ids;
  }

  /** `discrepancy.opened` for each id (its delivery marks it announced). */
  async discrepanciesOpened(ids: readonly string[]): Promise<void> {
    if (!this.wants('discrepancy.opened')) return;
    for (const id of ids) {
      const discrepancy = await loadDiscrepancy(this.ds, id);
      if (discrepancy)
        await this.publish('discrepancy.opened', id, { discrepancy }, { discrepancyId: id });
    }
  }

  /**
   * `discrepancy.reopened` for each reopening (its delivery marks it announced). One delivery
   * per discrepancy and run: reopened again by a later run, it is news again.
   */
  async discrepanciesReopened(reopenings: readonly Reopening[]): Promise<void> {
    if (!this.wants('discrepancy.reopened')) return;
    for (const { discrepancyId, runId } of reopenings) {
      const discrepancy = await loadDiscrepancy(this.ds, discrepancyId);
      if (discrepancy)
        await this.publish(
          'discrepancy.reopened',
          `${discrepancyId}-run-${runId}`,
          { discrepancy, runId },
          { discrepancyId, reopenedRunId: runId },
        );
    }
  }

  /** `discrepancy.resolved`, by a person (`resolvedBy`) or because its account matched again (`null`). */
  async discrepancyResolved(discrepancy: DiscrepancyView, resolvedBy: Actor | null): Promise<void> {
    await this.publish('discrepancy.resolved', discrepancy.id, { discrepancy, resolvedBy });
  }

  /**
   * For the circuit breaker: the provider stopped (`available: false`) or resumed taking calls.
   * Each change is its own event (the delivery id carries the instant).
   */
  async providerAvailability(
    provider: string,
    available: boolean,
    reason: string,
    at: Date = new Date(),
  ): Promise<void> {
    const event = available ? 'provider.recovered' : 'provider.unavailable';
    await this.publish(event, `${provider}-${at.getTime()}`, { provider, reason }, {}, at);
  }

  /**
   * Every kept alert delivery that failed for good, first queued within
   * {@link ALERT_RETRY_MAX_AGE_MS}, goes back to the queue with its retries afresh (at most
   * `limit`): run events, resolutions and provider changes, which nothing else
   * publishes again, as well as discrepancies. Only for subscribers of these settings: one
   * removed from them stays failed. Returns how many. The producer calls it at start, so a
   * deploy after a receiver's outage delivers what the outage lost; Bull Board's "retry" does
   * not reset the attempts, so such a job fails again at its first error.
   */
  async retryFailedDeliveries(limit = 10_000, now = Date.now()): Promise<number> {
    const subscribers = new Set(this.subscriptions.map((s) => s.id));
    const ours = (job: Job) =>
      'subscriber' in job.data
        ? subscribers.has(job.data.subscriber)
        : this.wants('discrepancy.opened'); // a job from before alerts: published again
    const failedIn = async (queue: Queue) =>
      (await queue.getJobs(['failed'], 0, limit - 1)).filter((job) => job?.data && ours(job));
    const failed = (
      await Promise.all(
        [this.sharedQueue, ...this.subscriptions.map((s) => this.queueOf(s.id))].map(failedIn),
      )
    ).flat();
    let retried = 0;
    for (let i = 0; i < failed.length; i += RETRY_CHUNK)
      retried += await retryRecentFailed(failed.slice(i, i + RETRY_CHUNK), now);
    return retried;
  }

  /**
   * One job per URL subscribed to `event`, on that subscriber's queue; the body is built once,
   * so every URL gets the same.
   */
  private async publish<E extends AlertEvent>(
    event: E,
    subject: string,
    data: AlertData[E],
    extra: Pick<AlertWebhookJobData, 'discrepancyId' | 'reopenedRunId'> = {},
    at: Date = new Date(),
  ): Promise<void> {
    const targets = this.subscriptions.filter((s) => s.events.includes(event));
    if (targets.length === 0) return;
    const deliveryId = alertDeliveryId(event, subject);
    const body: AlertBody<E> = { event, deliveryId, occurredAt: at.toISOString(), ...data };
    const text = JSON.stringify(body);
    await this.register(targets.map((s) => s.id));
    const jobs = await Promise.all(
      targets.map(async (s) => {
        const jobId = `${deliveryId}-${s.id}`;
        // A delivery queued on the shared queue before each subscriber had its own (published
        // again by the producer's start-up re-queue) is that job, not a second one.
        const before = await this.sharedQueue.getJob(jobId);
        if (before) return { job: before, queue: this.sharedQueue };
        const queue = this.queueOf(s.id);
        const [job] = await addJobs(queue, JOB.alertWebhook, [
          {
            data: { event, deliveryId, subscriber: s.id, body: text, ...extra },
            opts: webhookJobOptions(jobId),
          },
        ]);
        return { job, queue };
      }),
    );
    // The job id is the delivery id: a job of this delivery that failed for good is kept
    // (JOB_KEEP_FAILED_SECONDS) and makes the add above a no-op. Retry it instead, so that
    // publishing again (the producer's start-up re-queue of unannounced discrepancies)
    // recovers the alert, with its retries afresh. A delivered (completed) one stays as it is.
    // As stored: the jobs addBulk hands back carry this call's options (its timestamp).
    const failed = await Promise.all(
      jobs.map(async ({ job, queue }) =>
        (await job.getState()) === 'failed' ? Job.fromId(queue, job.id!) : undefined,
      ),
    );
    await retryRecentFailed(
      failed.filter((job): job is Job => job !== undefined),
      Date.now(),
    );
  }
}

/** BullMQ's refusal of a retry because the job is no longer failed, or no longer there. */
const GONE_FROM_FAILED = /is not in the failed state|Missing key for job/;

/**
 * Retries each failed delivery first queued within {@link ALERT_RETRY_MAX_AGE_MS}, its
 * attempts reset; returns how many went back to the queue. A job another producer retried
 * first (producers starting together) or retention removed meanwhile is passed over; any other
 * error (Redis refusing a write) is thrown.
 */
async function retryRecentFailed(jobs: Job[], now: number): Promise<number> {
  const recent = jobs.filter((job) => now - job.timestamp <= ALERT_RETRY_MAX_AGE_MS);
  const outcomes = await Promise.allSettled(
    recent.map((job) =>
      job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }),
    ),
  );
  for (const o of outcomes)
    if (o.status === 'rejected' && !GONE_FROM_FAILED.test(String((o.reason as Error)?.message)))
      throw o.reason;
  return outcomes.filter((o) => o.status === 'fulfilled').length;
}
