import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { APP_LOGGER, APP_METRICS, AppMetrics, Logger } from '@app/config';
import { AlertPublisher } from '@app/reconciliation';
import { PROVIDERS, ProviderName } from '@app/snap';

/**
 * Where the circuit breaker reports a provider going down or coming back: it sets the
 * `snap_provider_available{provider}` gauge (1 up, 0 held off), logs the change and publishes
 * `provider.unavailable` / `provider.recovered` to the subscribed webhooks. Call it on each
 * change of state only (open → `false`, closed again → `true`); repeated calls with the same
 * state publish again. Every provider starts available.
 */
@Injectable()
export class ProviderAvailability implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly alerts: AlertPublisher,
  ) {}

  onApplicationBootstrap(): void {
    for (const provider of PROVIDERS) this.metrics.setProviderAvailable(provider, true);
  }

  /** `reason`: why, for people (e.g. "5 of the last 10 calls failed: network-error"); no secret. */
  async changed(provider: ProviderName, available: boolean, reason: string): Promise<void> {
    this.metrics.setProviderAvailable(provider, available);
    this.logger[available ? 'info' : 'warn'](
      { provider, available, reason },
      available ? 'provider recovered' : 'provider unavailable',
    );
    await this.alerts
      .providerAvailability(provider, available, reason)
      .catch((e: unknown) =>
        this.logger.warn({ provider, err: (e as Error).message }, 'provider alert not queued'),
      );
  }
}
