import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { APP_CONFIG, AppConfig, rateLimitKey } from '@app/config';
import {
  APP_LOGGER,
  APP_METRICS,
  AppMetrics,
  createRedisConnection,
  Logger,
  PROVIDER_QUEUES,
  providerKeyPrefix,
  queuePrefix,
  REDIS,
  tokenKeyPrefix,
} from '@app/infra';
import type { Queue } from 'bullmq';
import { AlertPublisher } from '@app/reconciliation';
import { ForfeitLog } from './forfeit-log';
import {
  InstanceLease,
  CredentialRegistry,
  CredentialsConfigError,
  credentialFitProblems,
  ignoredChannelId,
  PROVIDERS,
  ProfileOverrides,
  profileOverridesFromEnv,
  ProviderCircuitBreaker,
  ProviderName,
  ProviderRateLimiter,
  resolveProfile,
  SnapClientFactory,
  SnapHttp,
} from '@app/snap';
import { onBreakerChange } from './breaker-events';

/** Every provider's profile overrides from the environment (`SNAP_<NAME>_*`, see the README). */
export function profileOverrides(config: AppConfig): Record<string, ProfileOverrides> {
  const env = config as unknown as Record<string, unknown>;
  return Object.fromEntries(PROVIDERS.map((p) => [p, profileOverridesFromEnv(p, env)]));
}

/**
 * The SNAP clients' own Redis connection (tokens, pacing, breaker), apart from BullMQ's, and
 * closed after everything else stopped. It auto-pipelines: the token reads of a batch of jobs
 * started together leave in one socket write instead of one each (a write to a local socket
 * is a syscall that also runs Redis's side of the loopback). Its errors are logged (warn).
 */
@Injectable()
export class SnapRedis implements OnApplicationShutdown {
  readonly connection: Redis | Cluster;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(APP_LOGGER) logger: Logger) {
    this.connection = createRedisConnection(config, 'snap-recon-snap', { autoPipelining: true });
    // Without a listener ioredis prints each failed reconnect to stderr itself: raw text with
    // a stack, outside the JSON log and its redaction.
    this.connection.on('error', (err: Error) =>
      logger.warn({ connection: 'snap-recon-snap', err: err.message }, 'redis connection error'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

/** Injection token of this process's leased X-EXTERNAL-ID instance number ({@link InstanceLease}). */
export const EXTERNAL_ID_LEASE = Symbol('EXTERNAL_ID_LEASE');

/** Frees the leased instance number when the worker stops. */
class LeaseReleaser {
  constructor(readonly lease: InstanceLease) {}
  async onApplicationShutdown(): Promise<void> {
    await this.lease.release();
  }
}

/**
 * The X-EXTERNAL-ID instance number, leased in Redis and renewed (see {@link InstanceLease}):
 * two workers never hold the same number, even after Redis restarted empty.
 */
export const externalIdLeaseProvider: Provider = {
  provide: EXTERNAL_ID_LEASE,
  inject: [APP_CONFIG, APP_LOGGER, REDIS],
  useFactory: async (config: AppConfig, logger: Logger, redis: Redis) => {
    const lease = await InstanceLease.acquire(redis, {
      keyPrefix: `${queuePrefix(config)}:external-id-instance`,
      ttlMs: config.EXTERNAL_ID_LEASE_TTL_MS,
      onChange: (e) => logger.warn(e, 'X-EXTERNAL-ID instance lease changed'),
    });
    logger.info({ instanceId: lease.instanceId }, 'X-EXTERNAL-ID instance number leased');
    return new LeaseReleaser(lease);
  },
};

/**
 * The SNAP clients of this process: the credentials validated at start-up, one keep-alive HTTP pool, tokens shared through Redis, and
 * X-EXTERNAL-IDs unique across every process sharing that Redis.
 */
export const snapClientsProvider = (credentials: CredentialRegistry): Provider => ({
  provide: SnapClientFactory,
  inject: [
    APP_CONFIG,
    APP_LOGGER,
    SnapRedis,
    APP_METRICS,
    EXTERNAL_ID_LEASE,
    PROVIDER_QUEUES,
    AlertPublisher,
    ForfeitLog,
  ],
  useFactory: async (
    config: AppConfig,
    logger: Logger,
    snapRedis: SnapRedis,
    metrics: AppMetrics,
    leased: LeaseReleaser,
    queues: Record<ProviderName, Queue>,
    alerts: AlertPublisher,
    forfeits: ForfeitLog,
  ) => {
    // Fail fast: every profile, with this deployment's overrides, must validate at start-up.
    const overrides = profileOverrides(config);
    const profiles = new Map(PROVIDERS.map((p) => [p, resolveProfile(p, overrides[p])]));
    // And every credential set must fit its provider's header sizes (NICEPay, Finnet pages).
    // One profile per provider: resolving one per set took a second per 3,000 Finnet sets.
    const misfits = credentials
      .all()
      .flatMap((c) => credentialFitProblems(profiles.get(c.provider)!, c));
    if (misfits.length > 0) throw new CredentialsConfigError(misfits);
    for (const c of credentials.all()) {
      const ignored = ignoredChannelId(profiles.get(c.provider)!, c);
      if (ignored) logger.warn(ignored);
    }
    const redis = snapRedis.connection;
    const http = new SnapHttp({
      connectMs: config.SNAP_CONNECT_TIMEOUT_MS,
      readMs: config.SNAP_READ_TIMEOUT_MS,
    });
    // On Cluster, a provider's pacing and breaker keys share its queue's hash tag.
    const providerKeys = (p: ProviderName) => providerKeyPrefix(config, p);
    logger.info(
      { credentialSets: credentials.all().map((c) => `${c.provider}/${c.name}`) },
      'SNAP credentials loaded',
    );
    if (credentials.all().length === 0)
      logger.warn(
        'no SNAP credentials at all (SNAP_CREDENTIALS_FILE or SNAP_<NAME>_* settings): every account will end error',
      );
    return new SnapClientFactory(
      credentials,
      {
        http,
        redis,
        ids: leased.lease.ids,
        logger: logger.child({ component: 'snap' }),
        tokenSafetyMarginMs: config.SNAP_TOKEN_SAFETY_MARGIN_MS,
        tokenKeyPrefix: tokenKeyPrefix(config),
        // Every request counts against the provider's limit, across all workers.
        rateLimiter: new ProviderRateLimiter(redis, providerKeys, {
          limits: Object.fromEntries(PROVIDERS.map((p) => [p, config[rateLimitKey(p)]])),
          marginMs: config.RATE_LIMIT_PACING_MARGIN_MS,
          onForfeit: forfeits.count,
        }),
        // One breaker per provider shared by every worker: a provider down is asked by probes only.
        breaker: new ProviderCircuitBreaker(redis, providerKeys, {
          failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
          probeIntervalMs: config.BREAKER_PROBE_INTERVAL_MS,
          failureShare:
            config.BREAKER_FAILURE_SHARE > 0
              ? {
                  share: config.BREAKER_FAILURE_SHARE,
                  windowMs: config.BREAKER_FAILURE_SHARE_WINDOW_MS,
                  minRequests: config.BREAKER_FAILURE_SHARE_MIN_REQUESTS,
                }
              : undefined,
          onChange: (change) => onBreakerChange(change, { logger, alerts, queues }),
        }),
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
