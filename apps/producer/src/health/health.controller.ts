import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@app/config';
import { PROVIDER_QUEUES, REDIS } from '@app/reconciliation';
import { PROVIDERS, ProviderName } from '@app/snap';
import { Public } from '../auth/auth.guard';

/**
 * `/health` (no credentials): Postgres answers, Redis answers, and no provider queue has a job
 * waiting longer than HEALTH_MAX_QUEUE_LAG_SECONDS (the workers keep up). 503 when any is down.
 */
@Controller('health')
export class HealthController {
  private readonly queues: Queue[];

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROVIDER_QUEUES) queues: Record<ProviderName, Queue>,
  ) {
    this.queues = PROVIDERS.map((p) => queues[p]);
  }

  @Get()
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 2000 }),
      () => this.redisCheck(),
      () => this.queueLagCheck(),
    ]);
  }

  private async redisCheck() {
    const session = this.indicators.check('redis');
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000)),
      ]);
      return session.up();
    } catch (e) {
      return session.down({ message: (e as Error).message });
    }
  }

  /** Seconds the oldest waiting job of each provider queue has waited. */
  private async queueLagCheck() {
    const session = this.indicators.check('queues');
    const now = Date.now();
    const lag: Record<string, number> = {};
    try {
      await Promise.all(
        this.queues.map(async (queue, i) => {
          const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
          lag[PROVIDERS[i]] = oldest ? Math.round((now - oldest.timestamp) / 1000) : 0;
        }),
      );
    } catch (e) {
      return session.down({ message: (e as Error).message });
    }
    const worst = Math.max(...Object.values(lag));
    const data = { lagSeconds: lag, maxLagSeconds: this.config.HEALTH_MAX_QUEUE_LAG_SECONDS };
    return worst > this.config.HEALTH_MAX_QUEUE_LAG_SECONDS ? session.down(data) : session.up(data);
  }
}
