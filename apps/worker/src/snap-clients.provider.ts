import type { Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  APP_CONFIG,
  APP_LOGGER,
  APP_METRICS,
  AppConfig,
  AppMetrics,
  Logger,
  queuePrefix,
} from '@app/config';
import type { Queue } from 'bullmq';
import { PROVIDER_QUEUES, REDIS } from '@app/reconciliation';
import {
  allocateInstanceId,
  ExternalIdGenerator,
  CredentialRegistry,
  PROVIDERS,
  ProfilePathOverrides,
  ProviderCircuitBreaker,
  ProviderRateLimiter,
  ProviderName,
  SnapClientFactory,
  SnapHttp,
} from '@app/snap';
import { onBreakerChange } from './breaker-events';

/** Path overrides per provider from `SNAP_<PROVIDER>_*_PATH` settings. */
export function pathOverrides(
  config: AppConfig,
): Partial<Record<ProviderName, ProfilePathOverrides>> {
  const env = config as unknown as Record<string, string | undefined>;
  return Object.fromEntries(
    PROVIDERS.map((p) => {
      const P = p.toUpperCase();
      return [
        p,
        {
          tokenPath: env[`SNAP_${P}_TOKEN_PATH`],
          balancePath: env[`SNAP_${P}_BALANCE_PATH`],
          balanceSignedPath: env[`SNAP_${P}_BALANCE_SIGNED_PATH`],
          accountStatusPath: env[`SNAP_${P}_ACCOUNT_STATUS_PATH`],
          accountStatusSignedPath: env[`SNAP_${P}_ACCOUNT_STATUS_PATH`],
        },
      ];
    }),
  );
}

/**
 * Pacing slots this process reached too late to use (its event loop or CPU too busy), logged
 * at most every 10 s: a steady stream of them means the workers lack CPU and lose rate.
 */
class ForfeitLog {
  private counts: Partial<Record<ProviderName, number>> = {};
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly logger: Logger) {}

  readonly count = (provider: ProviderName): void => {
    this.counts[provider] = (this.counts[provider] ?? 0) + 1;
    this.timer ??= setTimeout(() => {
      this.logger.warn(
        { forfeited: this.counts },
        'pacing slots given up: reached too late by a busy process',
      );
      this.counts = {};
      this.timer = null;
    }, 10_000).unref();
  };
}

/**
 * The SNAP clients of this process: the credentials validated at start-up, one keep-alive HTTP pool, tokens shared through Redis, and
 * X-EXTERNAL-IDs unique across every process sharing that Redis.
 */
export const snapClientsProvider = (credentials: CredentialRegistry): Provider => ({
  provide: SnapClientFactory,
  inject: [APP_CONFIG, APP_LOGGER, REDIS, APP_METRICS, PROVIDER_QUEUES],
  useFactory: async (
    config: AppConfig,
    logger: Logger,
    redis: Redis,
    metrics: AppMetrics,
    queues: Record<ProviderName, Queue>,
  ) => {
    const http = new SnapHttp({
      connectMs: config.SNAP_CONNECT_TIMEOUT_MS,
      readMs: config.SNAP_READ_TIMEOUT_MS,
    });
    const keyPrefix = queuePrefix(config);
    const forfeits = new ForfeitLog(logger);
    const ids = new ExternalIdGenerator(
      await allocateInstanceId(redis, `${keyPrefix}:external-id-instance`),
    );
    logger.info(
      { credentialSets: credentials.all().map((c) => `${c.provider}/${c.name}`) },
      'SNAP credentials loaded',
    );
    return new SnapClientFactory(
      credentials,
      {
        http,
        redis,
        ids,
        logger: logger.child({ component: 'snap' }),
        tokenSafetyMarginMs: config.SNAP_TOKEN_SAFETY_MARGIN_MS,
        tokenKeyPrefix: `${keyPrefix}:token`,
        // Every request counts against the provider's limit, across all workers.
        rateLimiter: new ProviderRateLimiter(redis, keyPrefix, {
          limits: {
            netzme: config.RATE_LIMIT_NETZME_PER_SECOND,
            nicepay: config.RATE_LIMIT_NICEPAY_PER_SECOND,
            finnet: config.RATE_LIMIT_FINNET_PER_SECOND,
          },
          marginMs: config.RATE_LIMIT_PACING_MARGIN_MS,
          onForfeit: forfeits.count,
        }),
        // One breaker per provider shared by every worker: a provider down is asked by probes only.
        breaker: new ProviderCircuitBreaker(redis, keyPrefix, {
          failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
          probeIntervalMs: config.BREAKER_PROBE_INTERVAL_MS,
          onChange: (change) => onBreakerChange(change, { logger, metrics, queues }),
        }),
        onCall: (e) =>
          metrics.providerCallSeconds.observe(
            { provider: e.provider, operation: e.operation, code: e.outcome },
            e.durationMs / 1000,
          ),
        onTokenIssued: (provider) => metrics.tokenRequests.inc({ provider }),
      },
      pathOverrides(config),
    );
  },
});
