import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { InfraModule, Logger } from '@app/infra';
import { AlertsModule, RunsService } from '@app/reconciliation';

/** What the CLI needs to start runs: Postgres, the queues, the run service. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        InfraModule.forRoot(config, { logger }),
        AlertsModule,
      ],
      providers: [RunsService],
    };
  }
}
