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
import { REDIS } from '@app/reconciliation';
import {
  allocateInstanceId,
  ExternalIdGenerator,
  CredentialRegistry,
  PROVIDERS,
  ProfilePathOverrides,
  ProviderRateLimiter,
  ProviderName,
  SnapClientFactory,
  SnapHttp,
} from '@app/snap';

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
 * The SNAP clients of this process: the credentials validated at start-up, one keep-alive HTTP pool, tokens shared through Redis, and
 * X-EXTERNAL-IDs unique across every process sharing that Redis.
 */
export const snapClientsProvider = (credentials: CredentialRegistry): Provider => ({
  provide: SnapClientFactory,
  inject: [APP_CONFIG, APP_LOGGER, REDIS, APP_METRICS],
  useFactory: async (config: AppConfig, logger: Logger, redis: Redis, metrics: AppMetrics) => {
    const http = new SnapHttp({
      connectMs: config.SNAP_CONNECT_TIMEOUT_MS,
      readMs: config.SNAP_READ_TIMEOUT_MS,
    });
    const keyPrefix = queuePrefix(config);
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
        rateLimiter: new ProviderRateLimiter(
          redis,
          `${keyPrefix}:request-rate`,
          {
            netzme: config.RATE_LIMIT_NETZME_PER_SECOND,
            nicepay: config.RATE_LIMIT_NICEPAY_PER_SECOND,
            finnet: config.RATE_LIMIT_FINNET_PER_SECOND,
          },
          config.RATE_LIMIT_WINDOW_MARGIN_MS,
        ),
        onCall: (e) =>
          metrics.providerCallSeconds.observe(
            { provider: e.provider, operation: e.operation, code: e.outcome },
            e.durationMs / 1000,
          ),
        onTokenIssued: (provider) => metrics.tokenRequests.inc({ provider }),
        inactiveStatusValues: config.ACCOUNT_INACTIVE_STATUS_VALUES,
        providerTimeSkewMs: config.SNAP_PROVIDER_TIME_SKEW_MS,
      },
      pathOverrides(config),
    );
  },
});
