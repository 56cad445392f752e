import { DynamicModule, Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, ConfigModule } from '@app/config';
import type { Cluster, Redis } from 'ioredis';
import { APP_LOGGER, AppMetrics, InfraModule, Logger, REDIS, whenRedisReady } from '@app/infra';
import {
  AlertPublisher,
  AlertsModule,
  RunsService,
  undeliveredDiscrepancies,
  unannouncedReopenings,
} from '@app/reconciliation';
import { AuditController } from './audit/audit.controller';
import { AuthGuard } from './auth/auth.guard';
import { QueueBoardModule } from './board/queue-board.module';
import { DiscrepanciesController } from './discrepancies/discrepancies.controller';
import { DiscrepanciesPage } from './discrepancies/discrepancies.page';
import { DiscrepancyChanges } from './discrepancies/discrepancy-changes';
import { HealthController } from './health/health.controller';
import { PageCsrf } from './http/csrf';
import { ExportSlots } from './http/export-slots';
import { ProblemFilter } from './http/problem.filter';
import { MetricsController } from './metrics/metrics.controller';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { LedgerController } from './ledger.controller';
import { ReportsModule } from './reports/reports.module';
import { RunsController } from './runs/runs.controller';
import { ScheduleInstaller, ScheduleProcessor } from './schedule.processor';

/**
 * At start: resume runs a previous producer left half-enqueued, queue the alerts of
 * unannounced discrepancies (openings and reopenings), and retry alert deliveries that failed
 * for good.
 */
class ResumeUnfinishedWork implements OnApplicationBootstrap {
  constructor(
    @Inject(RunsService) private readonly runs: RunsService,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AlertPublisher) private readonly alerts: AlertPublisher,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis | Cluster,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await whenRedisReady(this.redis, this.logger, 'resume runs and alerts', () => this.resume());
  }

  private async resume(): Promise<void> {
    await this.runs.resumeUnfinished();
    if (this.alerts.wants('discrepancy.opened'))
      await this.alerts.discrepanciesOpened(await undeliveredDiscrepancies(this.ds));
    if (this.alerts.wants('discrepancy.reopened'))
      await this.alerts.discrepanciesReopened(await unannouncedReopenings(this.ds));
    const retried = await this.alerts.retryFailedDeliveries();
    if (retried > 0)
      this.logger.info({ retried }, 'alert deliveries that had failed for good are retried');
  }
}

/** The producer: HTTP API, the run schedule, and run creation. */
@Module({})
export class ProducerModule {
  static forRoot(config: AppConfig, logger: Logger, metrics?: AppMetrics): DynamicModule {
    return {
      module: ProducerModule,
      imports: [
        ConfigModule.forRoot(config),
        InfraModule.forRoot(config, { logger, metrics }),
        AlertsModule,
        QueueBoardModule.forRoot(config),
        TerminusModule.forRoot({ logger: false }),
        ReportsModule,
        // Nest's own lines (and `PinoLogger` users) through the app's pino logger; the access
        // log is pino-http, mounted first by createProducerApp (useExisting: no second one).
        LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true }),
      ],
      controllers: [
        RunsController,
        LedgerController,
        HealthController,
        MetricsController,
        DiscrepanciesController,
        DiscrepanciesPage,
        AuditController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        PageCsrf,
        ExportSlots,
        RunsService,
        DiscrepancyChanges,
        ScheduleProcessor,
        ScheduleInstaller,
        ResumeUnfinishedWork,
      ],
    };
  }
}
