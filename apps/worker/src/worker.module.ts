import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { AppMetrics, InfraModule, Logger } from '@app/infra';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AlertsModule, JobAdmission } from '@app/reconciliation';
import { CredentialRegistry, PROVIDERS } from '@app/snap';
import { balanceInquiryProcessor } from './balance-inquiry.processor';
import { BalanceInquiryService } from './balance-inquiry.service';
import { RunSweeper } from './run-sweeper';
import { ForfeitLog } from './forfeit-log';
import { externalIdLeaseProvider, snapClientsProvider, SnapRedis } from './snap-clients.provider';
import { WebhookProcessor } from './webhook.processor';

/** The worker: one processor per provider queue, no HTTP server. */
@Module({})
export class WorkerModule {
  static forRoot(
    config: AppConfig,
    logger: Logger,
    credentials: CredentialRegistry,
    metrics?: AppMetrics,
  ): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        InfraModule.forRoot(config, { logger, metrics }),
        AlertsModule,
      ],
      providers: [
        externalIdLeaseProvider,
        SnapRedis,
        ForfeitLog,
        snapClientsProvider(credentials),
        BalanceInquiryService,
        {
          provide: JobAdmission,
          useFactory: (ds: DataSource) => new JobAdmission(ds),
          inject: [getDataSourceToken()],
        },
        ...PROVIDERS.map((p) => balanceInquiryProcessor(p, config)),
        RunSweeper,
        WebhookProcessor,
      ],
      exports: [BalanceInquiryService],
    };
  }
}
