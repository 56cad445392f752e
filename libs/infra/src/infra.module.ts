import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { AppConfig, webhookSubscriptions } from '@app/config';
import { jobHandlerCheck } from './bullmq/job-handler-check';
import { providerQueues, PROVIDER_QUEUES } from './bullmq/provider-queues';
import { queueErrorLogger } from './bullmq/queue-error-logger';
import { registerQueues } from './bullmq/queue-registration';
import { webhookQueues, WEBHOOK_QUEUES } from './bullmq/webhook-queues';
import { DatabaseModule } from './database/database.module';
import { APP_LOGGER } from './logging/logger';
import { APP_METRICS, AppMetrics } from './metrics/app-metrics';
import { createRedisConnection } from './redis/redis-connection';
import { RedisCloser } from './redis/redis-closer';
import { guardDatabaseSelection } from './redis/redis-database-check';
import { EvictionPolicyCheck } from './redis/redis-eviction-check';
import { REDIS } from './redis/redis.token';

/** What an app made before Nest started, handed to every module. */
export interface InfraParts {
  /** The app's pino logger ({@link APP_LOGGER}). */
  logger: Logger;
  /** The process's metrics ({@link APP_METRICS}); a fresh registry when the app exports none. */
  metrics?: AppMetrics;
}

/**
 * The infrastructure shared by the producer, the worker and the CLI: the logger and metrics,
 * Postgres (TypeORM), one Redis connection, and BullMQ with every queue of the catalogue.
 * Redis is a single node from REDIS_URL, or Sentinel / Cluster per the settings. At start-up
 * it checks that every job of every queue the app consumes has exactly one handler.
 */
@Module({})
export class InfraModule {
  static forRoot(config: AppConfig, parts: InfraParts): DynamicModule {
    const redis = createRedisConnection(config, 'snap-recon');
    // Refused once Redis is up (it was down at start): the process stops, as it would at start.
    guardDatabaseSelection(redis, config.REDIS_URL, (message) => {
      parts.logger.fatal(message);
      setImmediate(() => process.exit(1));
    });
    const bull = registerQueues(config, redis);
    return {
      module: InfraModule,
      global: true,
      imports: [DatabaseModule.forRoot(config), bull.root, bull.queues],
      providers: [
        { provide: APP_LOGGER, useValue: parts.logger },
        { provide: APP_METRICS, useValue: parts.metrics ?? new AppMetrics('snap-recon') },
        { provide: REDIS, useValue: redis },
        RedisCloser,
        EvictionPolicyCheck,
        providerQueues,
        queueErrorLogger(bull.names),
        webhookQueues(webhookSubscriptions(config).map((s) => s.id)),
        jobHandlerCheck,
      ],
      exports: [
        APP_LOGGER,
        APP_METRICS,
        TypeOrmModule,
        bull.queues,
        REDIS,
        PROVIDER_QUEUES,
        WEBHOOK_QUEUES,
      ],
    };
  }
}
