import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from './config.schema';
import { AppMetrics } from './metrics';

/** Injection token of the validated {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
/** Injection token of the app's pino logger. */
export const APP_LOGGER = Symbol('APP_LOGGER');
/** Injection token of the process's {@link AppMetrics}. */
export const APP_METRICS = Symbol('APP_METRICS');

/** Provides the config (validated before Nest starts), the logger and the metrics to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(
    config: AppConfig,
    logger: Logger,
    metrics: AppMetrics = new AppMetrics('snap-recon'),
  ): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_LOGGER, useValue: logger },
        { provide: APP_METRICS, useValue: metrics },
      ],
      exports: [APP_CONFIG, APP_LOGGER, APP_METRICS],
    };
  }
}
