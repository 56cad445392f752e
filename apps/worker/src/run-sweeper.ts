import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { APP_LOGGER, Logger, PROVIDER_QUEUES, providerKeyPrefix, REDIS } from '@app/infra';
import { balanceJobId, balanceJobOptions, BalanceInquiryJobData } from '@app/queue';
import {
  AlertPublisher,
  closeUnavailableAccounts,
  enqueueRun,
  errorResult,
  finalizeRun,
  resultKey,
  resultsRepository,
  runsRepository,
  saveResult,
} from '@app/reconciliation';
import { DEFAULT_PROFILES, PROVIDERS, ProviderName, readBreakerStatus } from '@app/snap';

/** Times a job that failed without a result is put back before its account is closed as `error`. */
export const MAX_SWEEP_RETRIES = 3;
/** Failed jobs looked at per queue and sweep. */
const FAILED_PER_SWEEP = 1_000;
/** Job-existence checks sent to Redis at once (ioredis pipelines them on one connection). */
const EXISTS_BATCH = 1_000;

/** What one sweep did. */
export interface SweepOutcome {
  runs: number;
  /** Accounts of quiet runs whose job was missing from Redis, enqueued again. */
  reenqueued: number;
  /** Failed jobs of running runs, without a final result, put back in the queue. */
  retried: number;
  /** Accounts closed as `error` after {@link MAX_SWEEP_RETRIES} such failures. */
  closed: number;
  /** Accounts closed as `unavailable`: their provider still down at the run's deadline. */
  unavailable: number;
}

/** A finished run not announced this long after it finished lost its announcement. */
const LOST_ANNOUNCEMENT_GRACE_MS = 60_000;

/**
 * The guarantee that every account of a run gets a result, whatever broke: every
 * `WORKER_SWEEP_INTERVAL_MS` it
 *
 * 1. finalizes a run whose accounts are all counted but whose finalizing statement was lost,
 *    and enqueues again (idempotently: same job ids) every account without a final result of
 *    a run that made no progress for a sweep interval: a job lost with Redis's data, or never
 *    added because a producer died mid-enqueue, is back without waiting for a producer restart;
 * 2. puts back a job that failed without writing a result (its last attempt met Postgres
 *    down, so the error result could not be written; or BullMQ failed it for stalling too
 *    often after worker kills), attempts reset; after {@link MAX_SWEEP_RETRIES} of those the
 *    account is closed as `error` naming the job's failure, so the run still finishes.
 *
 * 3. closes the accounts of a run past its deadline (`RUN_DEADLINE_SECONDS`) whose provider's
 *    circuit breaker is open as `unavailable`, so a run finishes although a provider is down;
 * 4. announces a finished run whose alerts were never queued (`run.finished`, its
 *    discrepancies): its worker died between finishing it and queueing them.
 *
 * Every worker process sweeps; two sweeps at once only repeat idempotent steps.
 */
@Injectable()
export class RunSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | null = null;
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(PROVIDER_QUEUES) private readonly queues: Record<ProviderName, Queue>,
    private readonly alerts: AlertPublisher,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.WORKER_SWEEP_INTERVAL_MS;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      if (this.current) return;
      this.current = this.sweep()
        .catch((e: unknown) =>
          // Postgres or Redis down: the next sweep tries again.
          this.logger.warn({ err: (e as Error).message }, 'run sweep failed; will try again'),
        )
        .finally(() => (this.current = null));
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.current;
  }

  /** One sweep over every running run; runs past their deadline are announced (`run.stalled`). */
  async sweep(): Promise<SweepOutcome> {
    const outcome: SweepOutcome = { runs: 0, reenqueued: 0, retried: 0, closed: 0, unavailable: 0 };
    // On its own: a run that cannot be announced now (Redis away) never holds up the sweep.
    const late = await this.alerts
      .lostRunAnnouncements(LOST_ANNOUNCEMENT_GRACE_MS)
      .catch((e: unknown) => {
        this.logger.warn(
          { err: (e as Error).message },
          'late run announcements failed; will try again',
        );
        return [] as string[];
      });
    if (late.length > 0)
      this.logger.warn(
        { runIds: late },
        'finished runs announced late: their alerts were never queued',
      );
    const stalled = await this.alerts.stalledRuns();
    if (stalled.length > 0)
      this.logger.warn(
        { runIds: stalled, deadlineSeconds: this.config.RUN_DEADLINE_SECONDS },
        'runs past their deadline',
      );
    // `quiet`: no result for a whole sweep interval. Only such a run can be missing jobs, and
    // re-enqueueing (a query and an addBulk over every account) is not free on a large run.
    const running = await runsRepository.findRunningStates(
      this.ds,
      this.config.WORKER_SWEEP_INTERVAL_MS,
      this.config.RUN_DEADLINE_SECONDS,
    );
    if (running.length === 0) return outcome;
    outcome.runs = running.length;
    const runIds = new Set(running.map((r) => r.id));
    for (const run of running) {
      // Every account counted but the finalizing statement was lost (e.g. Postgres went away).
      if (run.complete) {
        if (await finalizeRun(this.ds, run.id, this.config.RECON_TOLERANCE))
          await this.alerts.runFinished(run.id);
      } else if (run.quiet) outcome.reenqueued += await this.reenqueueLost(run.id);
    }
    for (const queue of Object.values(this.queues)) {
      const failed = (
        (await queue.getFailed(0, FAILED_PER_SWEEP - 1)) as (Job<BalanceInquiryJobData> | null)[]
      ).filter((job): job is Job<BalanceInquiryJobData> => !!job && runIds.has(job.data.runId));
      if (failed.length === 0) continue;
      const done = await resultsRepository.findFinalKeys(
        this.ds,
        failed.map((j) => j.data),
      );
      for (const job of failed) {
        if (done.has(resultKey(job.data.runId, job.data.accountId))) continue;
        await this.recover(job, outcome);
      }
    }
    const overdue = running.filter((r) => r.overdue && !r.complete).map((r) => r.id);
    if (overdue.length > 0) await this.closeUnavailable(overdue, outcome);
    if (outcome.reenqueued + outcome.retried + outcome.closed + outcome.unavailable > 0)
      this.logger.warn({ ...outcome }, 'run sweep');
    return outcome;
  }

  /**
   * Enqueues again the accounts of a quiet run that have no final result and no job in Redis,
   * and says so: which run, how many, a few of the accounts, and why. Returns how many.
   */
  private async reenqueueLost(runId: string): Promise<number> {
    const open = await runsRepository.findAccountsWithoutFinalResult(this.ds, runId);
    const missing: { id: string; provider: ProviderName }[] = [];
    for (let i = 0; i < open.length; i += EXISTS_BATCH) {
      const batch = open.slice(i, i + EXISTS_BATCH);
      const found = await Promise.all(
        batch.map((a) => {
          const queue = this.queues[a.provider];
          return queue.client.then((c) =>
            (c as unknown as Redis).exists(queue.toKey(balanceJobId(runId, a.id))),
          );
        }),
      );
      batch.forEach((a, j) => found[j] === 0 && missing.push(a));
    }
    if (missing.length === 0) return 0;
    await enqueueRun(this.ds, this.queues, runId, balanceJobOptions(this.config));
    const byProvider: Record<string, number> = {};
    for (const a of missing) byProvider[a.provider] = (byProvider[a.provider] ?? 0) + 1;
    this.logger.warn(
      {
        runId,
        reenqueued: missing.length,
        byProvider,
        accountIds: missing.slice(0, 10).map((a) => a.id),
        reason:
          'no result for a sweep interval and no job in Redis: Redis lost them (restarted empty, ' +
          'failed over, evicted) or a producer stopped mid-enqueue',
      },
      'run sweep re-enqueued accounts whose job was missing',
    );
    return missing.length;
  }

  /** Runs past their deadline: the accounts of every provider still down become `unavailable`. */
  private async closeUnavailable(runIds: string[], outcome: SweepOutcome): Promise<void> {
    const keys = (p: ProviderName) => providerKeyPrefix(this.config, p);
    const down = (
      await Promise.all(PROVIDERS.map((p) => readBreakerStatus(this.redis, keys, p)))
    ).filter((b) => b.state === 'open');
    for (const runId of runIds) {
      for (const b of down) {
        const name = DEFAULT_PROFILES[b.provider].displayName;
        const message = `${name} unavailable since ${b.since?.toISOString() ?? 'unknown'}: ${b.reason ?? 'transient failures'}`;
        const { closed, runFinished } = await closeUnavailableAccounts(
          this.ds,
          runId,
          b.provider,
          message,
          this.config.RECON_TOLERANCE,
        );
        outcome.unavailable += closed;
        // Finished by this sweep: announced now, as every other finish is.
        if (runFinished) await this.alerts.runFinished(runId);
        if (closed > 0)
          this.logger.warn(
            { runId, provider: b.provider, closed, since: b.since, reason: b.reason },
            'run deadline passed with the provider unavailable; its accounts closed as unavailable',
          );
      }
    }
  }

  /** A failed job without a result: back to the queue, or (too often) an `error` result. */
  private async recover(job: Job<BalanceInquiryJobData>, outcome: SweepOutcome): Promise<void> {
    const { runId, accountId } = job.data;
    const sweeps = job.data.sweeps ?? 0;
    const log = { runId, accountId, jobId: job.id, failedReason: job.failedReason, sweeps };
    if (sweeps < MAX_SWEEP_RETRIES) {
      try {
        await job.updateData(Object.assign({}, job.data, { sweeps: sweeps + 1 }));
        await job.retry('failed', { resetAttemptsMade: true });
        outcome.retried++;
        this.logger.warn(log, 'job failed without a result; put back in the queue');
      } catch (e) {
        // Another worker's sweep took it first.
        this.logger.debug(
          Object.assign({}, log, { err: (e as Error).message }),
          'job already put back',
        );
      }
      return;
    }
    const { written, runFinished } = await saveResult(
      this.ds,
      errorResult(
        { runId, accountId, attempts: job.attemptsMade },
        `no result after ${sweeps + 1} failed deliveries of the job: ${job.failedReason}`,
      ),
      this.config.RECON_TOLERANCE,
    );
    if (written) outcome.closed++;
    if (runFinished) await this.alerts.runFinished(runId);
    this.logger.warn(log, 'job failed without a result too often; account closed as error');
  }
}
