import { randomUUID } from 'node:crypto';
import type { ProviderName } from './providers';

/** The Redis command the limiter uses (ioredis satisfies it). */
export interface RateLimiterRedis {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Waits for a free slot of a provider's request rate before each call. */
export interface RequestRateLimiter {
  acquire(provider: ProviderName): Promise<void>;
}

/**
 * A sliding-window log of grants in a sorted set, on Redis's clock, with the window's running
 * total beside it: up to ARGV[3] slots are granted while fewer than `limit` were granted in the
 * last `window` ms. Answers `{granted, waitMs}`: the slots granted now (maybe fewer than asked),
 * or none and how long until the oldest grant leaves the window.
 * Members are `<id>:<count>`, so expired grants are taken off the total as they are dropped.
 */
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, limit, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - window)
if #expired > 0 then
  local n = 0
  for _, m in ipairs(expired) do n = n + tonumber(string.match(m, ':(%d+)$')) end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  redis.call('DECRBY', KEYS[2], n)
end
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #oldest == 0 then used = 0 end
if used < limit then
  local granted = math.min(limit - used, want)
  redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. granted)
  redis.call('SET', KEYS[2], used + granted, 'PX', window)
  redis.call('PEXPIRE', KEYS[1], window)
  return {granted, 0}
end
return {0, math.max(1, tonumber(oldest[2]) + window - now)}
`;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * At most `limit` requests per second to each provider, counted per HTTP request (token
 * requests, a retry after a refreshed token and account-status calls included) across every
 * process sharing the Redis. BullMQ's limiter counts jobs in fixed windows, so on its own two
 * windows' worth of jobs can meet in one second at the provider, and one job can make several
 * requests; this limiter is what keeps any one-second window at the provider within the limit.
 * The window is `1000 + marginMs`: between being let through and reaching the provider a
 * request can wait on a busy event loop or a full connection pool, so arrivals bunch up; the
 * margin absorbs that, at the cost of some rate (with the default 200 ms the average is at
 * most 1000/1200 of the limit).
 *
 * Requests of one process that wait at the same time share one Redis call: while a call is out,
 * newcomers queue, and the next call asks slots for all of them (a busy worker makes one call per
 * ~20 requests instead of one each). Slots are only asked for requests already waiting, and each
 * is used as soon as it is granted, so no process sits on slots it does not use.
 */
export class ProviderRateLimiter implements RequestRateLimiter {
  private readonly windowMs: number;
  private readonly waiting = new Map<ProviderName, Waiter[]>();
  private readonly asking = new Set<ProviderName>();

  constructor(
    private readonly redis: RateLimiterRedis,
    private readonly keyPrefix: string,
    private readonly limits: Partial<Record<ProviderName, number>>,
    marginMs = 200,
  ) {
    this.windowMs = 1000 + marginMs;
  }

  acquire(provider: ProviderName): Promise<void> {
    if (!this.limits[provider]) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const queue = this.waiting.get(provider) ?? [];
      queue.push({ resolve, reject });
      this.waiting.set(provider, queue);
      if (!this.asking.has(provider)) void this.ask(provider);
    });
  }

  /** Asks Redis for slots for everyone waiting, until nobody waits (one call out at a time). */
  private async ask(provider: ProviderName): Promise<void> {
    this.asking.add(provider);
    const limit = this.limits[provider]!;
    // Not the keys of the earlier one-member-per-request format, which this script cannot read.
    // One script, two keys: on Redis Cluster the prefix's hash tag keeps them in one slot.
    const keys = [`${this.keyPrefix}:${provider}:grants`, `${this.keyPrefix}:${provider}:total`];
    try {
      for (let queue = this.waiting.get(provider)!; queue.length > 0;) {
        let granted: number;
        let waitMs: number;
        try {
          const answer = (await this.redis.eval(
            SLIDING_WINDOW,
            2,
            ...keys,
            this.windowMs,
            limit,
            Math.min(queue.length, limit),
            randomUUID(),
          )) as [number, number];
          [granted, waitMs] = answer.map(Number);
        } catch (e) {
          // Redis failed: every waiting request fails (the caller's retry policy decides).
          for (const w of queue.splice(0)) w.reject(e);
          return;
        }
        for (const w of queue.splice(0, granted)) w.resolve();
        if (granted === 0) await new Promise((r) => setTimeout(r, waitMs));
      }
    } finally {
      this.asking.delete(provider);
    }
  }
}
