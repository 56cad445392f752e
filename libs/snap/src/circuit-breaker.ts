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

/**
 * The second rule that opens a breaker: the share of transient failures among the requests of
 * the last `windowMs`, counted by all processes together, reaches `share` once at least
 * `minRequests` were seen. Catches a provider failing intermittently (every other request, say),
 * which the consecutive rule never sees because answers come in between.
 */
export interface FailureShareRule {
  /** Share of transient failures (0 < share <= 1) that opens the breaker. */
  share: number;
  /** The sliding window, ms (counted in ten buckets: requests age out a tenth at a time). */
  windowMs: number;
  /** Requests within the window below which the share is not judged (a cold start's few). */
  minRequests: number;
}

/** How a {@link ProviderCircuitBreaker} decides. */
export interface CircuitBreakerOptions {
  /** Transient failures in a row (network error, timeout, 5xx) that open the breaker. */
  failureThreshold: number;
  /** Also open on a failure share over a window (off when absent). */
  failureShare?: FailureShareRule;
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
 * Returns {'open'|'closed'|'', since ms, lastOk ms[, reason stored when it opened]}: the
 * transition it caused, if any.
 *
 * With the share rule on (ARGV[6] > 0) KEYS[2] counts the requests of the window: per bucket
 * of a tenth of the window (ARGV[7] ms), field `<bucket>` requests and `<bucket>:f` failures;
 * ARGV[5] answers (successes this process had not written yet, see `succeeded`) are added with
 * the outcome. Buckets older than the window are dropped; a failure that brings the share of
 * failures to ARGV[6] with at least ARGV[8] requests counted opens the breaker. Opening and
 * closing start the window afresh, so failures from before an outage never count after it.
 */
const OUTCOME = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ok, threshold, interval = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local answers, share, window, minRequests =
  tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local h = redis.call('HMGET', KEYS[1], 'state', 'since', 'lastOk')
if ok == 1 then
  redis.call('HSET', KEYS[1], 'state', 'closed', 'fails', 0, 'risked', 0, 'proven', 1, 'lastOk', now)
  redis.call('HDEL', KEYS[1], 'since', 'reason', 'probeAt')
  if h[1] == 'open' then
    redis.call('DEL', KEYS[2])
    return {'closed', h[2] or '', tostring(now)}
  end
end
local total, failed = 0, 0
if share > 0 and h[1] ~= 'open' then
  local bucketMs = math.ceil(window / 10)
  local bucket = math.floor(now / bucketMs)
  local field = string.format('%.0f', bucket)
  local fields = redis.call('HGETALL', KEYS[2])
  for i = 1, #fields, 2 do
    local b = tonumber(string.match(fields[i], '^%d+'))
    if b <= bucket - 10 then
      redis.call('HDEL', KEYS[2], fields[i])
    elseif string.sub(fields[i], -2) == ':f' then
      failed = failed + tonumber(fields[i + 1])
    else
      total = total + tonumber(fields[i + 1])
    end
  end
  total = total + answers + (1 - ok)
  redis.call('HINCRBY', KEYS[2], field, answers + (1 - ok))
  if ok == 0 then
    failed = failed + 1
    redis.call('HINCRBY', KEYS[2], field .. ':f', 1)
  end
  redis.call('PEXPIRE', KEYS[2], window + bucketMs)
end
if ok == 1 then return {'', '', tostring(now)} end
local fails = redis.call('HINCRBY', KEYS[1], 'fails', 1)
if h[1] ~= 'open' then
  local reason
  if fails >= threshold then
    reason = ARGV[4]
  elseif share > 0 and total >= minRequests and failed >= share * total then
    reason = string.format('%d of %d requests in %.0f s failed; last: %s',
      failed, total, window / 1000, ARGV[4])
  end
  if reason then
    redis.call('HSET', KEYS[1], 'state', 'open', 'since', now, 'reason', reason,
      'probeAt', now + interval, 'proven', 0, 'risked', 0)
    redis.call('DEL', KEYS[2])
    return {'open', tostring(now), h[3] or '', reason}
  end
end
return {'', '', h[3] or ''}
`;

const date = (ms: string | undefined) => (ms ? new Date(Number(ms)) : null);

/** The Redis key of a provider's breaker. */
export function breakerKey(providerKeys: ProviderKeyPrefix, provider: ProviderName): string {
  return `${providerKeys(provider)}:breaker`;
}

/** The Redis key of a provider's failure-share window (same prefix: one Cluster slot). */
export function breakerWindowKey(providerKeys: ProviderKeyPrefix, provider: ProviderName): string {
  return `${providerKeys(provider)}:breaker:window`;
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
 * provider). After `failureThreshold` transient failures in a row, or (with `failureShare`) once
 * the share of failures among the window's requests reaches its share, the provider is taken for
 * down: requests are refused ({@link ProviderUnavailableError}) before they are sent, except
 * one probe per `probeIntervalMs`; the first answer from the provider closes it again.
 *
 * An answer means the provider is up, whatever it says (a 4xx, a 429): only network errors,
 * timeouts and 5xx ({@link TransientSnapError}) count as failures.
 *
 * Each outcome costs at most one Redis call. Answers in a run of answers are not written one by
 * one: without the share rule they change nothing; with it a process adds up its answers and
 * writes them with the first outcome that comes `shareFlushMs` or more after its last write (a
 * failure: at once). So while answers keep coming, the window lacks at most `shareFlushMs` of
 * each process's latest answers when a failure is judged: the share looks slightly worse, never
 * better, than it is.
 */
export class ProviderCircuitBreaker {
  /** Processes that saw the provider answer recently skip the Redis admission call. */
  private readonly trusted = new Map<ProviderName, number>();
  /** Providers this process told a failure since it last wrote a success. */
  private readonly sawFailure = new Set<ProviderName>();
  /** Share rule: answers seen by this process and not yet written, since when (performance.now()). */
  private readonly unwrittenAnswers = new Map<ProviderName, { count: number; since: number }>();
  /** Share rule: when this process last wrote an outcome (performance.now()). */
  private readonly lastWrite = new Map<ProviderName, number>();
  /** Share rule: answers are written at least this often (a tenth of a bucket, at most 1 s). */
  private readonly shareFlushMs: number;

  constructor(
    private readonly redis: CircuitBreakerRedis,
    private readonly providerKeys: ProviderKeyPrefix,
    private readonly options: CircuitBreakerOptions,
  ) {
    const { failureThreshold, probeIntervalMs, failureShare } = options;
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1)
      throw new Error(
        `circuit breaker: failureThreshold must be an integer >= 1, got ${failureThreshold}`,
      );
    if (!Number.isFinite(probeIntervalMs) || probeIntervalMs < 1)
      throw new Error(`circuit breaker: probeIntervalMs must be >= 1, got ${probeIntervalMs}`);
    if (failureShare) {
      const { share, windowMs, minRequests } = failureShare;
      if (!Number.isFinite(share) || share <= 0 || share > 1)
        throw new Error(`circuit breaker: failureShare.share must be > 0 and <= 1, got ${share}`);
      if (!Number.isInteger(windowMs) || windowMs < 10)
        throw new Error(
          `circuit breaker: failureShare.windowMs must be an integer >= 10, got ${windowMs}`,
        );
      if (!Number.isInteger(minRequests) || minRequests < 1)
        throw new Error(
          `circuit breaker: failureShare.minRequests must be an integer >= 1, got ${minRequests}`,
        );
    }
    this.shareFlushMs = failureShare ? Math.min(1_000, Math.ceil(failureShare.windowMs / 100)) : 0;
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
    const now = performance.now();
    const fresh = (this.trusted.get(provider) ?? -Infinity) > now - 200;
    this.trusted.set(provider, now);
    const share = this.options.failureShare !== undefined;
    if (share) {
      const unwritten = this.unwrittenAnswers.get(provider) ?? { count: 0, since: now };
      unwritten.count += 1;
      this.unwrittenAnswers.set(provider, unwritten);
    }
    // A run of answers needs no write each; after a failure of its own the process resets the
    // count at once, so failures of several processes only add up when none of them recovers.
    // The share rule's window gets this process's answers at least every shareFlushMs.
    const flushDue =
      share && now - (this.lastWrite.get(provider) ?? -Infinity) >= this.shareFlushMs;
    if (fresh && !this.sawFailure.has(provider) && !flushDue) return;
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
    const rule = this.options.failureShare;
    // Answers taken out now are this call's to write; a failed call loses them (a few answers
    // fewer in the window: the share looks worse, never better, than it is). They are counted
    // at the time of this write; a batch begun longer than a window ago has aged out instead.
    const now = performance.now();
    const unwritten = this.unwrittenAnswers.get(provider);
    this.unwrittenAnswers.delete(provider);
    const answers =
      unwritten && rule && now - unwritten.since <= rule.windowMs ? unwritten.count : 0;
    this.lastWrite.set(provider, now);
    const [change, since, lastOk, openReason] = (await this.redis.eval(
      OUTCOME,
      2,
      breakerKey(this.providerKeys, provider),
      breakerWindowKey(this.providerKeys, provider),
      ok ? 1 : 0,
      this.options.failureThreshold,
      this.options.probeIntervalMs,
      reason.slice(0, 200),
      answers,
      rule?.share ?? 0,
      rule?.windowMs ?? 0,
      rule?.minRequests ?? 0,
    )) as [string, string, string, string | undefined];
    if (change !== 'open' && change !== 'closed') return;
    try {
      this.options.onChange?.({
        provider,
        state: change,
        since: date(since) ?? new Date(),
        reason: change === 'open' ? (openReason ?? reason) : null,
        lastSuccessAt: date(lastOk),
      });
    } catch {
      // A failing hook must not turn an answer into a failure.
    }
  }
}
