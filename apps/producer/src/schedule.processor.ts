import { InjectQueue, OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, Job, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { APP_LOGGER, JobWorkerHost, Logger, REDIS, whenRedisReady } from '@app/infra';
import {
  JOB,
  OnJob,
  RETENTION_SCHEDULER_ID,
  SCHEDULE_QUEUE,
  ScheduledRunJobData,
  SCHEDULER_ID,
  scheduleJobs,
} from '@app/queue';
import type { Cluster, Redis } from 'ioredis';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { deleteExpired, RetentionOutcome, RunsService } from '@app/reconciliation';

/** The jobs a job scheduler adds on the schedule queue. */
type ScheduledJob = (typeof JOB)['scheduledRun' | 'retention'];

/** How long a queued tick waits before it looks again whether the previous run finished. */
export const QUEUED_TICK_RETRY_MS = 30_000;

/**
 * Hourly (or any cron) runs through a BullMQ job scheduler: however many producers run, the
 * scheduler makes one job per tick, and the tick's job id is the run's unique schedule key.
 * The same queue carries the daily retention job (one producer runs each tick).
 * A tick that finds a run of the same scope still running is skipped and recorded as a
 * `skipped` run (`SCHEDULE_OVERLAP=skip`, the default) or waits for it (`queue`).
 */
@Processor(SCHEDULE_QUEUE, { concurrency: 1 })
export class ScheduleProcessor extends JobWorkerHost {
  constructor(
    private readonly runs: RunsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {
    super();
  }

  /** A Redis hiccup must be logged, not crash the process (an unhandled 'error' event would). */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn({ queue: SCHEDULE_QUEUE, err: error.message }, 'queue worker error');
  }

  /** The daily retention job: deletes runs and results older than `RETENTION_DAYS`. */
  @OnJob(JOB.retention)
  async retention(): Promise<RetentionOutcome> {
    const outcome = await deleteExpired(this.ds, {
      olderThanDays: this.config.RETENTION_DAYS,
      batchSize: this.config.RETENTION_BATCH_SIZE,
    });
    this.logger.info(
      { ...outcome, days: this.config.RETENTION_DAYS },
      'retention: old runs and results deleted',
    );
    return outcome;
  }

  /** A tick of the run schedule: starts a run unless one of the same scope still runs. */
  @OnJob(JOB.scheduledRun)
  async scheduledRun(
    job: Job<ScheduledRunJobData>,
    token?: string,
  ): Promise<{ runId: string; created: boolean; skipped?: boolean }> {
    const running = await this.runs.runningOfScope({});
    if (running) {
      if (this.config.SCHEDULE_OVERLAP === 'queue') {
        this.logger.info(
          { scheduleKey: job.id, stillRunning: running },
          'scheduled run waits: a run of the same scope is still running',
        );
        await job.moveToDelayed(Date.now() + QUEUED_TICK_RETRY_MS, token);
        throw new DelayedError();
      }
      return {
        runId: await this.runs.recordSkipped(String(job.id), running),
        created: false,
        skipped: true,
      };
    }
    const run = await this.runs.start('schedule', {}, String(job.id));
    return { runId: run.runId, created: run.created };
  }
}

/**
 * Installs or removes the job schedulers to match the config at start-up (runs:
 * `SCHEDULE_CRON`; retention: `RETENTION_CRON` unless `RETENTION_DAYS=0`), and keeps them
 * installed: a scheduler lives only in Redis, so a Redis restarted empty (no persistence,
 * a failover to a replica that had not received it, a FLUSHALL) would silently stop the
 * schedule. Every `SCHEDULE_CHECK_INTERVAL_MS`, and whenever the Redis connection is ready
 * again, the producer looks for it and re-installs it when missing, unless a producer started
 * since turned it off (see `turnedOffKey`). Several producers may do this at once: the upsert
 * is idempotent, and the tick's job id still makes one run per tick.
 */
@Injectable()
export class ScheduleInstaller implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<unknown> | null = null;
  /** Schedules found turned off by a newer producer, said once each. */
  private readonly toldTurnedOff = new Set<string>();
  private readonly onReady = () => this.checkSoon('redis connection ready');

  constructor(
    @InjectQueue(SCHEDULE_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis | Cluster,
  ) {}

  /** The schedulers this config wants: the run schedule and the retention job, each if on. */
  private schedulers(): { id: string; cron: string; job: ScheduledJob; what: string }[] {
    return [
      {
        id: SCHEDULER_ID,
        cron: this.config.SCHEDULE_CRON,
        job: JOB.scheduledRun,
        what: 'run schedule',
      },
      {
        id: RETENTION_SCHEDULER_ID,
        cron: this.config.RETENTION_DAYS > 0 ? this.config.RETENTION_CRON : '',
        job: JOB.retention,
        what: 'retention schedule',
      },
    ];
  }

  async onApplicationBootstrap(): Promise<void> {
    await whenRedisReady(this.redis, this.logger, 'install the schedules', () =>
      this.installAndKeep(),
    );
  }

  /**
   * Where a producer that turned a schedule off says so (the time it did): a producer still
   * running with the schedule on, the old pods of a rolling deploy, must not re-install what was
   * removed on purpose. The last producer started decides, as at start-up; an empty Redis has no
   * mark, so a lost schedule is still re-installed.
   */
  private turnedOffKey(id: string): string {
    return `${this.queue.qualifiedName}:turned-off:${id}`;
  }

  private async installAndKeep(): Promise<void> {
    const wanted = this.schedulers().filter((s) => s.cron);
    for (const s of this.schedulers().filter((s) => !s.cron)) {
      // The mark first: a producer checking in between finds the scheduler still there, or
      // gone with the mark beside it, never gone without one (which it would re-install).
      await this.redis.set(this.turnedOffKey(s.id), new Date().toISOString());
      await this.queue.removeJobScheduler(s.id);
    }
    if (wanted.length === 0) return;
    for (const s of wanted) {
      await this.redis.del(this.turnedOffKey(s.id));
      await this.install(s);
      this.logger.info({ cron: s.cron, tz: this.config.SCHEDULE_TIMEZONE }, `${s.what} installed`);
    }
    this.redis.on('ready', this.onReady);
    const every = this.config.SCHEDULE_CHECK_INTERVAL_MS;
    if (every > 0) {
      this.timer = setInterval(() => this.checkSoon('timer'), every);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
    await this.checking;
  }

  /**
   * Re-installs the scheduler if Redis lost it; true when it had to. A Redis that is down
   * throws here: the caller logs it and the next check (or reconnect) tries again.
   */
  async ensureInstalled(): Promise<boolean> {
    let reinstalled = false;
    for (const s of this.schedulers().filter((s) => s.cron)) {
      if (await this.queue.getJobScheduler(s.id)) continue;
      const turnedOff = await this.redis.get(this.turnedOffKey(s.id));
      if (turnedOff !== null) {
        if (!this.toldTurnedOff.has(s.id))
          this.logger.warn(
            { turnedOffAt: turnedOff },
            `${s.what} was turned off by a producer started since this one; not re-installed (this producer's setting is older)`,
          );
        this.toldTurnedOff.add(s.id);
        continue;
      }
      await this.install(s);
      reinstalled = true;
      this.logger.warn(
        { cron: s.cron, tz: this.config.SCHEDULE_TIMEZONE },
        `${s.what} was missing from Redis (restarted empty or failed over?); re-installed`,
      );
    }
    return reinstalled;
  }

  private checkSoon(reason: string): void {
    if (this.checking) return;
    this.checking = this.ensureInstalled()
      .catch((e: unknown) =>
        this.logger.warn(
          { reason, err: (e as Error).message },
          'could not check the run schedule; will try again',
        ),
      )
      .finally(() => (this.checking = null));
  }

  private async install(s: { id: string; cron: string; job: ScheduledJob }): Promise<void> {
    await scheduleJobs(
      this.queue,
      s.id,
      { pattern: s.cron, tz: this.config.SCHEDULE_TIMEZONE },
      s.job,
      {
        data: {},
        opts: { removeOnComplete: 1000, removeOnFail: 1000 },
      },
    );
  }
}
