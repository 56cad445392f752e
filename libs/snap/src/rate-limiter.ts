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
 * A sliding-window log in a sorted set, on Redis's clock: a request is let through when fewer
 * than `limit` were let through in the last `window` ms; otherwise the answer is how long to
 * wait until the oldest one leaves the window.
 */
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

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
 */
export class ProviderRateLimiter implements RequestRateLimiter {
  private readonly windowMs: number;

  constructor(
    private readonly redis: RateLimiterRedis,
    private readonly keyPrefix: string,
    private readonly limits: Partial<Record<ProviderName, number>>,
    marginMs = 200,
  ) {
    this.windowMs = 1000 + marginMs;
  }

  async acquire(provider: ProviderName): Promise<void> {
    const limit = this.limits[provider];
    if (!limit) return;
    const key = `${this.keyPrefix}:${provider}`;
    for (;;) {
      const wait = Number(
        await this.redis.eval(SLIDING_WINDOW, 1, key, this.windowMs, limit, randomUUID()),
      );
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
