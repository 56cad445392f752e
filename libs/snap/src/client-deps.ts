/**
 * What a {@link SnapClient} is given by its process: the HTTP client, Redis for the shared
 * token, the external-id generator, and the hooks that see every call. Shared by the transport,
 * the token request, the retry loop and the operations, so none of them imports the client.
 */
import type { UnseenStatusLog } from './account-status';
import type { ProviderCircuitBreaker } from './circuit-breaker';
import type { ExternalIdGenerator } from './external-id';
import type { SnapHttp } from './http';
import type { RequestRateLimiter } from './rate-limiter';
import type { TokenRedis } from './token-manager';

/** One HTTP exchange with a provider, for metrics and logs (no secrets in it). */
export interface SnapCallEvent {
  provider: string;
  operation: 'access-token' | 'balance-inquiry' | 'account-status' | 'transaction-history';
  /** The SNAP code, or `network-error` / `no-code`. */
  outcome: string;
  durationMs: number;
  externalId?: string;
}

/** The SNAP operation a call belongs to (metrics label, error messages). */
export type SnapOperation = SnapCallEvent['operation'];

/** A logger shaped like pino's; the client logs no secret through it. */
export interface SnapLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SnapClientDeps {
  http: SnapHttp;
  redis: TokenRedis;
  ids: ExternalIdGenerator;
  logger?: SnapLogger;
  onCall?: (event: SnapCallEvent) => void;
  onTokenIssued?: (provider: string, credentialSet: string) => void;
  tokenSafetyMarginMs?: number;
  /** How long a refused token request is not resent (default 60 s, credential-refusal.ts). */
  tokenRefusalHoldMs?: number;
  /** Prefix of the Redis keys holding shared tokens (default `snap-recon:token`). */
  tokenKeyPrefix?: string;
  /** Waited on before every request (token, balance, status): the provider's rate limit. */
  rateLimiter?: RequestRateLimiter;
  /** Asked before every request, told every answer: the provider's shared circuit breaker. */
  breaker?: Pick<ProviderCircuitBreaker, 'admit' | 'succeeded' | 'failed'>;
  /** Status values that mean "not active" (default {@link DEFAULT_INACTIVE_STATUS_VALUES}). */
  inactiveStatusValues?: readonly string[];
  /** Shared by the clients of a process so an unseen status value is logged once. */
  unseenStatusLog?: UnseenStatusLog;
  /** Largest accepted distance of the provider time from the request time (default 10 min). */
  providerTimeSkewMs?: number;
}
