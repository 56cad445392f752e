import { SnapError } from './errors';
import { PROVIDERS, ProviderName } from './providers/index';
import type { ProviderKeyPrefix } from './provider-keys';

/** The Redis commands the breaker uses (ioredis satisfies them). */
export interface CircuitBreakerRedis {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
}

/** Where a provider's breaker stands, as every worker sees it. */
export interface BreakerStatus {
  provider: ProviderName;
  /** `open`: the provider is taken for down; only a probe request per interval goes out. */
  state: 'closed' | 'open';
  /** When it opened (open only). */
  since: Date | null;
  /** The failure that opened it (open only). */
  reason: string | null;
  /** The last answer that showed the provider up (null: none since Redis last lost it). */
  lastSuccessAt: Date | null;
  /** Transient failures in a row. */
  consecutiveFailures: number;
}

/** A breaker that opened or closed: one per transition, seen by the worker that caused it. */
export interface BreakerChange {
  provider: ProviderName;
  state: 'open' | 'closed';
  /** When the provider became unavailable (for `closed`: when it had). */
  since: Date;
  /** The failure that opened it. */
  reason: string | null;
  /** Last answer showing the provider up (for `closed`: now). */
  lastSuccessAt: Date | null;
}

/** How a {@link ProviderCircuitBreaker} decides. */
export interface CircuitBreakerOptions {
  /** Transient failures in a row (network error, timeout, 5xx) that open the breaker. */
  failureThreshold: number;
  /** While open, one probe request per this many ms tests the provider. */
  probeIntervalMs: number;
  /**
   * Called once per transition, by the process whose answer caused it (the hook for logs,
   * metrics and events such as `provider.unavailable` / `provider.recovered`). Errors thrown
   * by it are ignored.
   */
  onChange?: (change: BreakerChange) => void;
}

/**
 * The provider is taken for down: no request was sent. Retryable, and no attempt should be
 * spent on it: the queue waits `retryAfterMs` (the next probe) and hands the job out again.
 */
export class ProviderUnavailableError extends SnapError {
  readonly kind = 'unavailable' as const;

  constructor(
    provider: ProviderName,
    readonly retryAfterMs: number,
    readonly since: Date | null,
    reason: string | null,
  ) {
    super(
      since
        ? `${provider}: unavailable since ${since.toISOString()} (${reason ?? 'transient failures'}); not called`
        : `${provider}: not yet proven up after a start or a failure; not called`,
      { provider },
    );
  }
}

/**
 * Admission, on Redis's clock (ms). Open: a probe once `probeAt` is reached (answer 1),
 * else {0, ms to the probe}. Closed: let through (1) once the provider answered since the
 * breaker was created or last opened (`proven`); before that only `threshold` requests may
 * be out on trust (`risked`), so a provider down from the start gets at most `threshold`
 * requests before the breaker opens; the rest wait ({2, retry ms}). Requests out on trust
 * that got no answer within an interval (lost with a killed worker) stop counting.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local threshold, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local h = redis.call('HMGET', KEYS[1], 'state', 'proven', 'risked', 'probeAt', 'riskedAt')
if h[1] == 'open' then
  local probeAt = tonumber(h[4] or '0')
  if now >= probeAt then
    redis.call('HSET', KEYS[1], 'probeAt', now + interval)
    return {1, 0}
  end
  return {0, probeAt - now}
end
if h[2] == '1' then return {1, 0} end
local risked = tonumber(h[3] or '0')
-- Requests out on trust for a whole interval without an answer were lost (a killed worker).
if risked < threshold or now - tonumber(h[5] or '0') > interval then
  if risked >= threshold then risked = 0 end
  if risked == 0 then redis.call('HSET', KEYS[1], 'riskedAt', now) end
  redis.call('HSET', KEYS[1], 'risked', risked + 1)
  return {1, 0}
end
return {2, math.min(200, interval)}
`;

/**
 * An answer (ARGV[1] = 1: the provider answered; 0: a transient failure, reason ARGV[4]).
 * Returns {'open'|'closed'|'', since ms, lastOk ms}: the transition it caused, if any.
 */
const OUTCOME = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ok, threshold, interval = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'state', 'since', 'lastOk')
if ok == 1 then
  redis.call('HSET', KEYS[1], 'state', 'closed', 'fails', 0, 'risked', 0, 'proven', 1, 'lastOk', now)
  redis.call('HDEL', KEYS[1], 'since', 'reason', 'probeAt')
  if h[1] == 'open' then return {'closed', h[2] or '', tostring(now)} end
  return {'', '', tostring(now)}
end
local fails = redis.call('HINCRBY', KEYS[1], 'fails', 1)
if h[1] ~= 'open' and fails >= threshold then
  redis.call('HSET', KEYS[1], 'state', 'open', 'since', now, 'reason', ARGV[4],
    'probeAt', now + interval, 'proven', 0, 'risked', 0)
  return {'open', tostring(now), h[3] or ''}
end
return {'', '', h[3] or ''}
`;

const date = (ms: string | undefined) => (ms ? new Date(Number(ms)) : null);

/** The Redis key of a provider's breaker. */
export function breakerKey(providerKeys: ProviderKeyPrefix, provider: ProviderName): string {
  return `${providerKeys(provider)}:breaker`;
}

/** A provider's breaker as stored (closed, never failed, when Redis has nothing). */
export async function readBreakerStatus(
  redis: Pick<CircuitBreakerRedis, 'hgetall'>,
  providerKeys: ProviderKeyPrefix,
  provider: ProviderName,
): Promise<BreakerStatus> {
  const h = await redis.hgetall(breakerKey(providerKeys, provider));
  const open = h.state === 'open';
  return {
    provider,
    state: open ? 'open' : 'closed',
    since: open ? date(h.since) : null,
    reason: open ? (h.reason ?? null) : null,
    lastSuccessAt: date(h.lastOk),
    consecutiveFailures: Number(h.fails ?? 0),
  };
}

/**
 * A circuit breaker per provider, shared by every process on the Redis (state in one hash per
 * provider). After `failureThreshold` transient failures in a row the provider is taken for
 * down: requests are refused ({@link ProviderUnavailableError}) before they are sent, except
 * one probe per `probeIntervalMs`; the first answer from the provider closes it again.
 *
 * An answer means the provider is up, whatever it says (a 4xx, a 429): only network errors,
 * timeouts and 5xx ({@link TransientSnapError}) count as failures.
 */
export class ProviderCircuitBreaker {
  /** Processes that saw the provider answer recently skip the Redis admission call. */
  private readonly trusted = new Map<ProviderName, number>();
  /** Providers this process told a failure since it last wrote a success. */
  private readonly sawFailure = new Set<ProviderName>();

  constructor(
    private readonly redis: CircuitBreakerRedis,
    private readonly providerKeys: ProviderKeyPrefix,
    private readonly options: CircuitBreakerOptions,
  ) {
    const { failureThreshold, probeIntervalMs } = options;
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1)
      throw new Error(
        `circuit breaker: failureThreshold must be an integer >= 1, got ${failureThreshold}`,
      );
    if (!Number.isFinite(probeIntervalMs) || probeIntervalMs < 1)
      throw new Error(`circuit breaker: probeIntervalMs must be >= 1, got ${probeIntervalMs}`);
  }

  /**
   * Resolves when a request to the provider may go out; throws {@link ProviderUnavailableError}
   * when the breaker is open (and it is not this request's turn to probe).
   */
  async admit(provider: ProviderName): Promise<void> {
    // An answer seen in this process within the last 200 ms: the breaker was closed then, and
    // a transient failure since is not enough to open it without more (threshold >= 1 more).
    if ((this.trusted.get(provider) ?? -Infinity) > performance.now() - 200) return;
    const [verdict, waitMs] = (
      (await this.redis.eval(
        ADMIT,
        1,
        breakerKey(this.providerKeys, provider),
        this.options.failureThreshold,
        this.options.probeIntervalMs,
      )) as [number, number]
    ).map(Number);
    if (verdict === 1) return;
    const status = verdict === 0 ? await this.status(provider) : null;
    throw new ProviderUnavailableError(
      provider,
      Math.max(1, waitMs),
      status?.since ?? null,
      status?.reason ?? null,
    );
  }

  /** The provider answered (anything but a transient failure). */
  async succeeded(provider: ProviderName): Promise<void> {
    const fresh = (this.trusted.get(provider) ?? -Infinity) > performance.now() - 200;
    this.trusted.set(provider, performance.now());
    // A run of answers needs no write each; after a failure of its own the process resets the
    // count at once, so failures of several processes only add up when none of them recovers.
    if (fresh && !this.sawFailure.has(provider)) return;
    this.sawFailure.delete(provider);
    await this.outcome(provider, true, '');
  }

  /** A transient failure: network error, timeout or 5xx. */
  async failed(provider: ProviderName, reason: string): Promise<void> {
    this.trusted.delete(provider);
    this.sawFailure.add(provider);
    await this.outcome(provider, false, reason);
  }

  /** The breaker of a provider as stored now. */
  status(provider: ProviderName): Promise<BreakerStatus> {
    return readBreakerStatus(this.redis, this.providerKeys, provider);
  }

  /** Every provider's breaker. */
  all(): Promise<BreakerStatus[]> {
    return Promise.all(PROVIDERS.map((p) => this.status(p)));
  }

  private async outcome(provider: ProviderName, ok: boolean, reason: string): Promise<void> {
    const [change, since, lastOk] = (await this.redis.eval(
      OUTCOME,
      1,
      breakerKey(this.providerKeys, provider),
      ok ? 1 : 0,
      this.options.failureThreshold,
      this.options.probeIntervalMs,
      reason.slice(0, 200),
    )) as [string, string, string];
    if (change !== 'open' && change !== 'closed') return;
    try {
      this.options.onChange?.({
        provider,
        state: change,
        since: date(since) ?? new Date(),
        reason: change === 'open' ? reason : null,
        lastSuccessAt: date(lastOk),
      });
    } catch {
      // A failing hook must not turn an answer into a failure.
    }
  }
}
