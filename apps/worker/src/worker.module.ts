import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule, webhookSubscriptions } from '@app/config';
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
import { subscriberWebhookProcessor } from './subscriber-webhook.processor';
import { WebhookDelivery } from './webhook-delivery.service';
import { WebhookProcessor } from './webhook.processor';

/** The worker: one processor per provider queue and per webhook subscriber, no HTTP server. */
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
        WebhookDelivery,
        WebhookProcessor,
        ...webhookSubscriptions(config).map((s) => subscriberWebhookProcessor(s.id)),
      ],
      exports: [BalanceInquiryService],
    };
  }
}
