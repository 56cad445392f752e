import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { APP_CONFIG, APP_LOGGER, AppConfig, Logger } from '@app/config';
import { JOB, SCHEDULE_QUEUE, SCHEDULER_ID } from '@app/queue';
import type { Cluster, Redis } from 'ioredis';
import { REDIS, RunsService } from '@app/reconciliation';

/**
 * Hourly (or any cron) runs through a BullMQ job scheduler: however many producers run, the
 * scheduler makes one job per tick, and the tick's job id is the run's unique schedule key.
 */
@Processor(SCHEDULE_QUEUE, { concurrency: 1 })
export class ScheduleProcessor extends WorkerHost {
  constructor(
    private readonly runs: RunsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  /** A Redis hiccup must be logged, not crash the process (an unhandled 'error' event would). */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn({ queue: SCHEDULE_QUEUE, err: error.message }, 'queue worker error');
  }

  async process(job: Job): Promise<{ runId: string; created: boolean }> {
    const run = await this.runs.start('schedule', {}, String(job.id));
    return { runId: run.runId, created: run.created };
  }
}

/**
 * Installs or removes the job scheduler to match `SCHEDULE_CRON` at start-up, and keeps it
 * installed: the scheduler lives only in Redis, so a Redis restarted empty (no persistence,
 * a failover to a replica that had not received it, a FLUSHALL) would silently stop the
 * schedule. Every `SCHEDULE_CHECK_INTERVAL_MS`, and whenever the Redis connection is ready
 * again, the producer looks for it and re-installs it when missing. Several producers may do
 * this at once: the upsert is idempotent, and the tick's job id still makes one run per tick.
 */
@Injectable()
export class ScheduleInstaller implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<unknown> | null = null;
  private readonly onReady = () => this.checkSoon('redis connection ready');

  constructor(
    @InjectQueue(SCHEDULE_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis | Cluster,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.SCHEDULE_CRON) {
      await this.queue.removeJobScheduler(SCHEDULER_ID);
      return;
    }
    await this.install();
    this.logger.info(
      { cron: this.config.SCHEDULE_CRON, tz: this.config.SCHEDULE_TIMEZONE },
      'run schedule installed',
    );
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
    if (await this.queue.getJobScheduler(SCHEDULER_ID)) return false;
    await this.install();
    this.logger.warn(
      { cron: this.config.SCHEDULE_CRON, tz: this.config.SCHEDULE_TIMEZONE },
      'run schedule was missing from Redis (restarted empty or failed over?); re-installed',
    );
    return true;
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

  private async install(): Promise<void> {
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { pattern: this.config.SCHEDULE_CRON, tz: this.config.SCHEDULE_TIMEZONE },
      { name: JOB.scheduledRun, data: {}, opts: { removeOnComplete: 1000, removeOnFail: 1000 } },
    );
  }
}
