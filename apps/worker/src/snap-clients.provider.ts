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
  rateLimitKey,
} from '@app/config';
import { REDIS } from '@app/reconciliation';
import {
  allocateInstanceId,
  ExternalIdGenerator,
  CredentialRegistry,
  PROVIDERS,
  ProfileOverrides,
  profileOverridesFromEnv,
  ProviderRateLimiter,
  resolveProfile,
  SnapClientFactory,
  SnapHttp,
} from '@app/snap';

/** Every provider's profile overrides from the environment (`SNAP_<NAME>_*`, see the README). */
export function profileOverrides(config: AppConfig): Record<string, ProfileOverrides> {
  const env = config as unknown as Record<string, unknown>;
  return Object.fromEntries(PROVIDERS.map((p) => [p, profileOverridesFromEnv(p, env)]));
}

/**
 * The SNAP clients of this process: the credentials validated at start-up, one keep-alive HTTP pool, tokens shared through Redis, and
 * X-EXTERNAL-IDs unique across every process sharing that Redis.
 */
export const snapClientsProvider = (credentials: CredentialRegistry): Provider => ({
  provide: SnapClientFactory,
  inject: [APP_CONFIG, APP_LOGGER, REDIS, APP_METRICS],
  useFactory: async (config: AppConfig, logger: Logger, redis: Redis, metrics: AppMetrics) => {
    // Fail fast: every profile, with this deployment's overrides, must validate at start-up.
    const overrides = profileOverrides(config);
    for (const p of PROVIDERS) resolveProfile(p, overrides[p]);
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
          Object.fromEntries(PROVIDERS.map((p) => [p, config[rateLimitKey(p)]])),
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
      overrides,
    );
  },
});
