import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, Queue } from 'bullmq';
import { APP_CONFIG, APP_LOGGER, AppConfig, Logger } from '@app/config';
import { JOB, SCHEDULE_QUEUE, SCHEDULER_ID } from '@app/queue';
import { RunsService } from '@app/reconciliation';

/** How long a queued tick waits before it looks again whether the previous run finished. */
export const QUEUED_TICK_RETRY_MS = 30_000;

/**
 * Hourly (or any cron) runs through a BullMQ job scheduler: however many producers run, the
 * scheduler makes one job per tick, and the tick's job id is the run's unique schedule key.
 * A tick that finds a run of the same scope still running is skipped and recorded as a
 * `skipped` run (`SCHEDULE_OVERLAP=skip`, the default) or waits for it (`queue`).
 */
@Processor(SCHEDULE_QUEUE, { concurrency: 1 })
export class ScheduleProcessor extends WorkerHost {
  constructor(
    private readonly runs: RunsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /** A Redis hiccup must be logged, not crash the process (an unhandled 'error' event would). */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn({ queue: SCHEDULE_QUEUE, err: error.message }, 'queue worker error');
  }

  async process(
    job: Job,
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

/** Installs or removes the job scheduler to match `SCHEDULE_CRON` at start-up. */
@Injectable()
export class ScheduleInstaller implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(SCHEDULE_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.SCHEDULE_CRON) {
      await this.queue.removeJobScheduler(SCHEDULER_ID);
      return;
    }
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { pattern: this.config.SCHEDULE_CRON, tz: this.config.SCHEDULE_TIMEZONE },
      { name: JOB.scheduledRun, data: {}, opts: { removeOnComplete: 1000, removeOnFail: 1000 } },
    );
    this.logger.info(
      { cron: this.config.SCHEDULE_CRON, tz: this.config.SCHEDULE_TIMEZONE },
      'run schedule installed',
    );
  }
}
