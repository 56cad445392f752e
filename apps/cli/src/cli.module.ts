import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule, Logger } from '@app/config';
import { CoreModule, RunsService } from '@app/reconciliation';

/** What the CLI needs to start runs: Postgres, the queues, the run service. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config, logger), CoreModule.forRoot(config)],
      providers: [RunsService],
    };
  }
}
