import { DynamicModule, Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AppConfig, AppMetrics, ConfigModule, Logger } from '@app/config';
import { CoreModule, RunsService } from '@app/reconciliation';
import { AuthGuard } from './auth/auth.guard';
import { QueueBoardModule } from './board/queue-board.module';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { TerminusModule } from '@nestjs/terminus';
import { LedgerController } from './ledger.controller';
import { RunsController } from './runs.controller';
import { ScheduleInstaller, ScheduleProcessor } from './schedule.processor';

/** Resumes runs a previous producer left half-enqueued. */
class ResumeRuns implements OnApplicationBootstrap {
  constructor(@Inject(RunsService) private readonly runs: RunsService) {}

  onApplicationBootstrap(): Promise<void> {
    return this.runs.resumeUnfinished();
  }
}

/** The producer: HTTP API, the run schedule, and run creation. */
@Module({})
export class ProducerModule {
  static forRoot(config: AppConfig, logger: Logger, metrics?: AppMetrics): DynamicModule {
    return {
      module: ProducerModule,
      imports: [ConfigModule.forRoot(config, logger, metrics), CoreModule.forRoot(config), QueueBoardModule.forRoot(config), TerminusModule.forRoot({ logger: false })],
      controllers: [RunsController, LedgerController, HealthController, MetricsController],
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }, RunsService, ScheduleProcessor, ScheduleInstaller, ResumeRuns],
    };
  }
}
