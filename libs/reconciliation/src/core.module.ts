import { BullModule, getQueueToken } from '@nestjs/bullmq';
import {
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Cluster, Redis } from 'ioredis';
import {
  APP_LOGGER,
  AppConfig,
  balanceQueuePrefix,
  checkEvictionPolicy,
  createRedisConnection,
  Logger,
  queuePrefix,
} from '@app/config';
import { dataSourceOptions } from '@app/ledger';
import { ALL_QUEUES, balanceQueueName } from '@app/queue';
import { PROVIDERS } from '@app/snap';
import type { Queue } from 'bullmq';
import { AlertPublisher } from './alerts/alert-publisher';

/** Injection token of the Redis connection shared by BullMQ queues and the token cache. */
export const REDIS = Symbol('REDIS');

/** Injection token of the balance-inquiry queues by provider: `Record<ProviderName, Queue>`. */
export const PROVIDER_QUEUES = Symbol('PROVIDER_QUEUES');

const providerQueues = {
  provide: PROVIDER_QUEUES,
  inject: PROVIDERS.map((p) => getQueueToken(balanceQueueName(p))),
  useFactory: (...queues: Queue[]) => Object.fromEntries(PROVIDERS.map((p, i) => [p, queues[i]])),
};

/** BullMQ does not close a connection it was given: close it after everything else stopped. */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | Cluster) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Warns at start-up when Redis may evict keys (see {@link checkEvictionPolicy}). Not awaited:
 * a Redis still down at start must not hold the app up; the check runs once it answers.
 */
@Injectable()
class EvictionPolicyCheck implements OnApplicationBootstrap {
  constructor(
    @Inject(REDIS) private readonly redis: Redis | Cluster,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void checkEvictionPolicy(this.redis, this.logger).catch(() => undefined);
  }
}

/**
 * Logs a queue's connection errors. A BullMQ queue re-emits its connection's errors, and an
 * EventEmitter with no 'error' listener throws: a queue closed while still connecting (an app
 * stopped right after it started) or a Redis that goes away must be a log line, not a crash.
 */
const queueErrorLogger = {
  provide: Symbol('QUEUE_ERROR_LOGGER'),
  inject: [APP_LOGGER, ...ALL_QUEUES.map((name) => getQueueToken(name))],
  useFactory: (logger: Logger, ...queues: Queue[]) => {
    for (const queue of queues)
      queue.on('error', (err: Error) =>
        logger.warn({ queue: queue.name, err: err.message }, 'queue connection error'),
      );
    return true;
  },
};

/**
 * Postgres (TypeORM) and the BullMQ queues, shared by the producer, the worker and the CLI.
 * Redis is a single node from REDIS_URL, or Sentinel / Cluster per the settings.
 */
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    const redis = createRedisConnection(config, 'snap-recon');
    // On Cluster each provider's queue has its own hash tag, so the providers spread over the
    // masters; the other queues share the common prefix.
    const queues = BullModule.registerQueue(
      ...ALL_QUEUES.map((name) => {
        const provider = PROVIDERS.find((p) => balanceQueueName(p) === name);
        return provider ? { name, prefix: balanceQueuePrefix(config, provider) } : { name };
      }),
    );
    return {
      module: CoreModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot(dataSourceOptions(config)),
        BullModule.forRoot({ connection: redis, prefix: queuePrefix(config) }),
        queues,
      ],
      providers: [
        { provide: REDIS, useValue: redis },
        RedisCloser,
        EvictionPolicyCheck,
        providerQueues,
        queueErrorLogger,
        AlertPublisher,
      ],
      exports: [TypeOrmModule, queues, REDIS, PROVIDER_QUEUES, AlertPublisher],
    };
  }
}
