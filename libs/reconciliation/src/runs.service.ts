import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { APP_LOGGER, Logger, pingRedis, PROVIDER_QUEUES, within } from '@app/infra';
import { balanceJobOptions } from '@app/queue';
import { ProviderName } from '@app/snap';
import { Actor, appendAudit } from './audit-log';
import type { RunTrigger } from './result-status';
import * as runsRepository from './repositories/runs.repository';
import { cancelRun, CancelOutcome, recordSkippedTick, runningRunOfScope } from './run-control';
import { createRun, CreatedRun, RunFilter } from './create-run';
import { enqueueRun } from './enqueue-run';

/** How long starting or cancelling a run waits for the queues' Redis to answer a PING. */
export const QUEUES_CHECK_MS = 3_000;

/**
 * The queues' Redis did not answer a PING before a run was started or cancelled: nothing was
 * started or cancelled. Without this check a run row was made (or a run marked cancelled) and
 * the call then waited, for as long as Redis was away, on jobs it could not add or remove. A
 * Redis lost in the moment between the PING and the jobs still holds the call until it is back
 * (its job ids make the enqueue complete once, and a worker's run sweeper finds a run's lost
 * jobs): the check covers an outage under way, not one that begins mid-call.
 */
export class QueuesUnreachableError extends Error {
  constructor(reason: string) {
    super(`the queues' Redis does not answer (${reason}): nothing was started or cancelled`);
    this.name = 'QueuesUnreachableError';
  }
}

/** Starts runs (schedule, API, CLI) and resumes unfinished ones after a restart. */
@Injectable()
export class RunsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(PROVIDER_QUEUES) private readonly queues: Record<ProviderName, Queue>,
  ) {}

  /**
   * Creates a run and enqueues one job per account; returns once every job is in Redis. A run
   * a person, key or CLI user started (`actor`) is recorded in the audit trail in the same
   * transaction as the run, before its jobs go out.
   */
  async start(
    trigger: RunTrigger,
    filter: RunFilter = {},
    scheduleKey: string | null = null,
    actor?: Actor,
    /** Refuse a provider or merchant scope that matches no enabled account (a person's run). */
    refuseEmptyScope = false,
  ): Promise<CreatedRun> {
    await this.queuesReachable();
    const run = await createRun(this.ds, trigger, filter, scheduleKey, actor, refuseEmptyScope);
    if (run.created) {
      await enqueueRun(this.ds, this.queues, run.runId, balanceJobOptions(this.config));
      this.logger.info(
        { runId: run.runId, accounts: run.accountCount, trigger, ...filter },
        'run started',
      );
    }
    return run;
  }

  /** Throws {@link QueuesUnreachableError} unless every provider queue's Redis answers a PING. */
  private async queuesReachable(): Promise<void> {
    try {
      await Promise.all(
        Object.values(this.queues).map(async (q) =>
          // The queue's own ioredis connection (BullMQ types it as its base class).
          pingRedis((await within(QUEUES_CHECK_MS, q.client)) as unknown as Redis, QUEUES_CHECK_MS),
        ),
      );
    } catch (e) {
      throw new QueuesUnreachableError((e as Error).message);
    }
  }

  /** A running run of the same scope as `filter`, if any (the id). */
  runningOfScope(filter: RunFilter = {}): Promise<string | null> {
    return runningRunOfScope(this.ds, filter);
  }

  /** Records a scheduled tick skipped because run `runningId` was still running. */
  async recordSkipped(scheduleKey: string, runningId: string): Promise<string> {
    const id = await recordSkippedTick(this.ds, scheduleKey, runningId);
    this.logger.warn(
      { runId: id, scheduleKey, stillRunning: runningId },
      'scheduled run skipped: a run of the same scope is still running',
    );
    return id;
  }

  /**
   * Cancels a running run: pending jobs removed, results so far kept. A cancel a person, key or
   * CLI user made (`actor`) is recorded in the audit trail (`run.cancel`) with the jobs removed
   * and the results kept, so it is appended once the jobs are out of the queues. The log line
   * comes first: were the append to fail (the run stays cancelled, the call fails), the cancel
   * and who made it are still told in the log.
   */
  async cancel(runId: string, by: string, actor?: Actor): Promise<CancelOutcome> {
    await this.queuesReachable();
    const outcome = await cancelRun(this.ds, this.queues, runId, `cancelled by ${by}`);
    if (!outcome.cancelled) return outcome;
    this.logger.warn(Object.assign({}, outcome, { by, actor }), 'run cancelled');
    if (actor)
      await appendAudit(this.ds, [
        {
          actor,
          action: 'run.cancel',
          subjectType: 'run',
          subjectId: outcome.runId,
          before: { status: 'running' },
          after: {
            status: 'cancelled',
            removedJobs: outcome.removedJobs,
            resultsKept: outcome.resultsKept,
          },
        },
      ]);
    return outcome;
  }

  /** Enqueues again (idempotently) the accounts of a run that have no final result. */
  async enqueue(runId: string): Promise<number> {
    return (await enqueueRun(this.ds, this.queues, runId, balanceJobOptions(this.config)))
      .submitted;
  }

  /** After a producer crash mid-enqueue: make sure every running run has all its jobs. */
  async resumeUnfinished(): Promise<void> {
    for (const id of await runsRepository.findRunningIds(this.ds)) await this.enqueue(id);
  }

  /** The provider queues, for Bull Board and health checks. */
  allQueues(): Queue[] {
    return Object.values(this.queues);
  }
}
