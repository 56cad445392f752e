import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { Redis } from 'ioredis';
import { APP_CONFIG, APP_LOGGER, AppConfig, Logger, queuePrefix } from '@app/config';
import { balanceJobOptions, BalanceInquiryJobData } from '@app/queue';
import {
  closeUnavailableAccounts,
  enqueueRun,
  errorResult,
  finalizeRun,
  PROVIDER_QUEUES,
  REDIS,
  saveResult,
} from '@app/reconciliation';
import { DEFAULT_PROFILES, PROVIDERS, ProviderName, readBreakerStatus } from '@app/snap';

/** Times a job that failed without a result is put back before its account is closed as `error`. */
export const MAX_SWEEP_RETRIES = 3;
/** Failed jobs looked at per queue and sweep. */
const FAILED_PER_SWEEP = 1_000;

/** What one sweep did. */
export interface SweepOutcome {
  runs: number;
  /** Failed jobs of running runs, without a final result, put back in the queue. */
  retried: number;
  /** Accounts closed as `error` after {@link MAX_SWEEP_RETRIES} such failures. */
  closed: number;
  /** Accounts closed as `unavailable`: their provider still down at the run's deadline. */
  unavailable: number;
}

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
 *    circuit breaker is open as `unavailable`, so a run finishes although a provider is down.
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

  /** One sweep over every running run. */
  async sweep(): Promise<SweepOutcome> {
    const outcome: SweepOutcome = { runs: 0, retried: 0, closed: 0, unavailable: 0 };
    // `quiet`: no result for a whole sweep interval. Only such a run can be missing jobs, and
    // re-enqueueing (a query and an addBulk over every account) is not free on a large run.
    const running: { id: string; complete: boolean; quiet: boolean; overdue: boolean }[] =
      await this.ds.query(
        `SELECT r.id, r.completed_count >= r.account_count AS complete,
                coalesce((SELECT max(x.checked_at) FROM reconciliation_results x WHERE x.run_id = r.id), r.started_at)
                  < now() - make_interval(secs => $1::float8 / 1000) AS quiet,
                r.started_at < now() - make_interval(secs => $2::float8) AS overdue
           FROM reconciliation_runs r WHERE r.status = 'running'`,
        [this.config.WORKER_SWEEP_INTERVAL_MS, this.config.RUN_DEADLINE_SECONDS],
      );
    if (running.length === 0) return outcome;
    outcome.runs = running.length;
    const runIds = new Set(running.map((r) => String(r.id)));
    for (const run of running) {
      // Every account counted but the finalizing statement was lost (e.g. Postgres went away).
      if (run.complete) await finalizeRun(this.ds, String(run.id));
      else if (run.quiet)
        await enqueueRun(this.ds, this.queues, String(run.id), balanceJobOptions(this.config));
    }
    for (const queue of Object.values(this.queues)) {
      const failed = (
        (await queue.getFailed(0, FAILED_PER_SWEEP - 1)) as (Job<BalanceInquiryJobData> | null)[]
      ).filter((job): job is Job<BalanceInquiryJobData> => !!job && runIds.has(job.data.runId));
      if (failed.length === 0) continue;
      const final: { run_id: string; account_id: string }[] = await this.ds.query(
        `SELECT run_id, account_id FROM reconciliation_results
          WHERE is_final AND (run_id, account_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))`,
        [failed.map((j) => j.data.runId), failed.map((j) => j.data.accountId)],
      );
      const done = new Set(final.map((r) => `${r.run_id}/${r.account_id}`));
      for (const job of failed) {
        if (done.has(`${job.data.runId}/${job.data.accountId}`)) continue;
        await this.recover(job, outcome);
      }
    }
    const overdue = running.filter((r) => r.overdue && !r.complete).map((r) => String(r.id));
    if (overdue.length > 0) await this.closeUnavailable(overdue, outcome);
    if (outcome.retried + outcome.closed + outcome.unavailable > 0)
      this.logger.warn({ ...outcome }, 'run sweep');
    return outcome;
  }

  /** Runs past their deadline: the accounts of every provider still down become `unavailable`. */
  private async closeUnavailable(runIds: string[], outcome: SweepOutcome): Promise<void> {
    const prefix = queuePrefix(this.config);
    const down = (
      await Promise.all(PROVIDERS.map((p) => readBreakerStatus(this.redis, prefix, p)))
    ).filter((b) => b.state === 'open');
    for (const runId of runIds) {
      for (const b of down) {
        const name = DEFAULT_PROFILES[b.provider].displayName;
        const message = `${name} unavailable since ${b.since?.toISOString() ?? 'unknown'}: ${b.reason ?? 'transient failures'}`;
        const closed = await closeUnavailableAccounts(this.ds, runId, b.provider, message);
        outcome.unavailable += closed;
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
        await job.updateData({ ...job.data, sweeps: sweeps + 1 });
        await job.retry('failed', { resetAttemptsMade: true });
        outcome.retried++;
        this.logger.warn(log, 'job failed without a result; put back in the queue');
      } catch (e) {
        // Another worker's sweep took it first.
        this.logger.debug({ ...log, err: (e as Error).message }, 'job already put back');
      }
      return;
    }
    const { written } = await saveResult(
      this.ds,
      errorResult(
        { runId, accountId, attempts: job.attemptsMade },
        `no result after ${sweeps + 1} failed deliveries of the job: ${job.failedReason}`,
      ),
    );
    if (written) outcome.closed++;
    this.logger.warn(log, 'job failed without a result too often; account closed as error');
  }
}
