import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header, Inject, Query, Res } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  APP_LOGGER,
  APP_METRICS,
  AppMetrics,
  Logger,
  PROVIDER_QUEUES,
  providerKeyPrefix,
  assertRedisReady,
  queueConnectionsReady,
  REDIS,
  WEBHOOK_QUEUES,
  within,
} from '@app/infra';
import { SCHEDULE_QUEUE, WEBHOOK_QUEUE } from '@app/queue';
import { loadAlertFigures } from '@app/reconciliation';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PROVIDERS, ProviderName, readBreakerStatus } from '@app/snap';
import { RecordedSubscriberQueues } from '../board/recorded-subscriber-queues';
import { queueLagSeconds } from '../health/queue-lag';
import { noQuery } from '../reports/report-params';
import { parseQuery } from '../validation';
import { SharedReads } from './shared-reads';

/** Every state a job can be counted in; `paused`: waiting in a queue paused (Bull Board). */
const STATES = [
  'waiting',
  'paused',
  'active',
  'delayed',
  'prioritized',
  'completed',
  'failed',
] as const;

/** Longest wait for one source at scrape time (Prometheus's default scrape timeout is 10 s). */
const SOURCE_MS = 3_000;
/** A read under way this long is given up and the next scrape starts another. */
const ABANDON_READ_MS = 60_000;

/**
 * `GET /metrics` (Prometheus text, credentials required): this process's metrics plus the
 * jobs of every queue by state, each provider queue's lag and each provider's circuit breaker,
 * read from Redis at scrape time, and the alerting figures read from Postgres (last finished
 * run, oldest running run, open discrepancies by age; see deploy/prometheus/alerts.yml).
 * Provider-call, token and result metrics come from each worker's own
 * metrics port. A source that fails or does not answer within 3 s leaves its figures as last
 * read and sets `recon_metrics_source_up{source}` to 0; the scrape still answers.
 */
@Controller('metrics')
export class MetricsController {
  private readonly queues: Queue[];
  /** At most one read per source under way (see {@link SharedReads}). */
  private readonly reads = new SharedReads(ABANDON_READ_MS);

  constructor(
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
    @Inject(PROVIDER_QUEUES) private readonly providerQueues: Record<ProviderName, Queue>,
    @InjectQueue(SCHEDULE_QUEUE) schedule: Queue,
    @InjectQueue(WEBHOOK_QUEUE) webhooks: Queue,
    @Inject(WEBHOOK_QUEUES) subscriberQueues: ReadonlyMap<string, Queue>,
    private readonly removedSubscribers: RecordedSubscriberQueues,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.queues = [
      ...Object.values(providerQueues),
      schedule,
      webhooks,
      ...subscriberQueues.values(),
    ];
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Query() query: unknown, @Res() res: Response): Promise<void> {
    // A scrape config's `params` would otherwise be ignored without a word.
    parseQuery(noQuery, query);
    // Each source is read with a time limit and on its own: Postgres or Redis being down must
    // not take this process's metrics (and the alerts on them) away, or hang the scrape.
    await Promise.all(
      Object.entries(this.sources()).map(([source, read]) =>
        within(SOURCE_MS, this.reads.run(source, read), source).then(
          () => this.metrics.metricsSourceUp.set({ source }, 1),
          (e: unknown) => {
            this.metrics.metricsSourceUp.set({ source }, 0);
            this.logger.warn({ source, err: (e as Error).message }, 'metrics source unreadable');
          },
        ),
      ),
    );
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }

  /** The figures read at scrape time, by where they come from. */
  private sources(): Record<'queues' | 'breakers' | 'runs', () => Promise<void>> {
    return {
      queues: async () => {
        // Nothing is asked of a connection that is away (ioredis would keep it until it is back).
        // With the queues of removed subscribers still holding alerts (listed after the start).
        const queues = [...this.queues, ...this.removedSubscribers.queues];
        await queueConnectionsReady(queues);
        await Promise.all(
          queues.map(async (queue) => {
            const counts = await queue.getJobCounts(...STATES);
            for (const state of STATES)
              this.metrics.jobs.set({ queue: queue.name, state }, counts[state] ?? 0);
          }),
        );
        const lag = await queueLagSeconds(this.providerQueues);
        for (const p of PROVIDERS)
          this.metrics.queueLag.set({ queue: this.providerQueues[p].name }, lag[p]);
      },
      // Every worker's view is the same breaker in Redis: read it here, at scrape time.
      breakers: async () => {
        assertRedisReady(this.redis);
        for (const b of await Promise.all(
          PROVIDERS.map((p) =>
            readBreakerStatus(this.redis, (q) => providerKeyPrefix(this.config, q), p),
          ),
        )) {
          this.metrics.breakerOpen.set({ provider: b.provider }, b.state === 'open' ? 1 : 0);
          if (b.lastSuccessAt)
            this.metrics.lastSuccess.set(
              { provider: b.provider },
              b.lastSuccessAt.getTime() / 1000,
            );
        }
      },
      runs: async () => {
        const figures = await loadAlertFigures(this.ds);
        this.metrics.lastFinishedRun.set(figures.lastFinishedRunAt);
        this.metrics.oldestRunningRunAge.set(figures.oldestRunningRunAgeSeconds);
        for (const [age, count] of Object.entries(figures.openDiscrepanciesByAge))
          this.metrics.openDiscrepancies.set({ age }, count);
        this.metrics.oldestOpenDiscrepancyAge.set(figures.oldestOpenDiscrepancyAgeSeconds);
      },
    };
  }
}
