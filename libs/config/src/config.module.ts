import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from './config.schema';

/** Injection token of the validated {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Provides the config, validated before Nest starts, to every module. The logger and metrics
 * the app made beside it come from `InfraModule` (libs/infra).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
