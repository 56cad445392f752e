import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  pingRedis,
  probeReason,
  PROVIDER_QUEUES,
  queueConnectionsReady,
  REDIS,
  within,
} from '@app/infra';
import { databaseRepository } from '@app/ledger';
import type { ProviderName } from '@app/snap';
import { Public } from '../auth/auth.guard';
import { queueLagSeconds } from './queue-lag';

/** Longest wait for one dependency's answer: a check that hangs answers "down" instead. */
const CHECK_MS = 2000;

/**
 * Health, no credentials needed:
 * A dependency that is down is named with what happened, not where or as whom
 * ({@link probeReason}): these answer anyone who can reach the port.
 * - `/health/live`: the process answers (liveness probe). Never looks at a dependency, so a slow
 *   Postgres, Redis or queue never gets the producer restarted.
 * - `/health/ready`: Postgres (a statement on the apps' tables: a dropped schema is down) and
 *   Redis answer (readiness probe: take it out of the load balancer, not restart it). 503 when
 *   one does not.
 * - `/health` (kept for existing monitors): ready's checks plus no provider queue with a job
 *   waiting longer than HEALTH_MAX_QUEUE_LAG_SECONDS. The lag is also the metric
 *   `bullmq_queue_lag_seconds`; alert on that rather than probe on it.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROVIDER_QUEUES) private readonly queues: Record<ProviderName, Queue>,
  ) {}

  @Get('live')
  @Public()
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  ready() {
    return this.health.check([() => this.postgresCheck(), () => this.redisCheck()]);
  }

  @Get()
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.postgresCheck(),
      () => this.redisCheck(),
      () => this.queueLagCheck(),
    ]);
  }

  /** Postgres answers a statement on the apps' tables (a dropped schema is down, not up). */
  private async postgresCheck() {
    const session = this.indicators.check('postgres');
    try {
      await within(CHECK_MS, databaseRepository.pingTables(this.ds));
      return session.up();
    } catch (e) {
      return session.down({ message: probeReason((e as Error).message) });
    }
  }

  private async redisCheck() {
    const session = this.indicators.check('redis');
    try {
      await pingRedis(this.redis, CHECK_MS);
      return session.up();
    } catch (e) {
      return session.down({ message: probeReason((e as Error).message) });
    }
  }

  /** Seconds the oldest waiting job of each provider queue has waited. */
  private async queueLagCheck() {
    const session = this.indicators.check('queues');
    let lag: Record<ProviderName, number>;
    try {
      await within(CHECK_MS, queueConnectionsReady(Object.values(this.queues)));
      lag = await within(CHECK_MS, queueLagSeconds(this.queues));
    } catch (e) {
      return session.down({ message: probeReason((e as Error).message) });
    }
    const worst = Math.max(...Object.values(lag));
    const data = { lagSeconds: lag, maxLagSeconds: this.config.HEALTH_MAX_QUEUE_LAG_SECONDS };
    return worst > this.config.HEALTH_MAX_QUEUE_LAG_SECONDS ? session.down(data) : session.up(data);
  }
}
