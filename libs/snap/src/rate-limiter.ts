import { PROVIDERS, ProviderName } from './providers/index';
import type { ProviderKeyPrefix } from './provider-keys';

/** The Redis command the limiter uses (ioredis satisfies it). */
export interface RateLimiterRedis {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Waits for a free slot of a provider's request rate before each call. */
export interface RequestRateLimiter {
  acquire(provider: ProviderName): Promise<void>;
}

/** How a {@link ProviderRateLimiter} paces. */
export interface PacingOptions {
  /** Requests per second each provider allows; every provider must have one. */
  limits: Record<ProviderName, number>;
  /**
   * Milliseconds by which a request may reach the provider later than its slot (a busy event
   * loop, a busy provider) without any one-second window there going over the limit: slots
   * are `(1000 + marginMs) / limit` ms apart. Default 50. Costs `marginMs / (1000 + marginMs)`
   * of the rate.
   */
  marginMs?: number;
  /** How far ahead of now slots are handed out, in ms (default 250, at least two slots). */
  horizonMs?: number;
  /** Told of each slot given up because this process reached it too late (for a log line). */
  onForfeit?: (provider: ProviderName) => void;
}

/**
 * GCRA in Redis: one "theoretical arrival time" (TAT, µs on Redis's clock) per provider, the
 * instant of the next free slot. A call asks for up to ARGV[2] slots and gets `n` consecutive
 * slots from max(TAT, now), ARGV[1] µs apart, never further ahead than ARGV[3] µs; answers
 * `{n, first slot − now (µs), 0, now}`, or `{0, 0, µs to wait, now}` until at least ARGV[4]
 * slots (or all that were asked) fit the horizon again.
 * A missing TAT (first use, or Redis lost it) starts the schedule a horizon and one interval
 * from now: slots handed out before the loss lie at most a horizon ahead, so the new schedule's
 * first slot keeps at least one interval from the old schedule's last (without the interval the
 * two could coincide, one interval of the margin spent at the seam).
 */
const GCRA_SCHEDULE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, want, horizon, minBatch =
  tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local stored = redis.call('GET', KEYS[1])
local tat
if stored then tat = math.max(tonumber(stored), now) else tat = now + horizon + interval end
local room = math.floor((now + horizon - tat) / interval) + 1
local least = math.min(want, minBatch)
if room < least then
  if not stored then redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', 60000) end
  return {0, 0, tat + (least - 1) * interval - horizon - now, now}
end
local n = math.min(want, room)
local next = tat + n * interval
redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.ceil((next - now) / 1000) + 60000)
return {n, tat - now, 0, now}
`;

/**
 * Where Redis's clock (ms) stands against this process's performance.now(), from the calls of
 * the last 30 s: Redis ran each call between its sending and its answer, so local = redis + θ
 * with θ in [sent − redis, answered − redis] for every call; the tightest bounds come from the
 * quickest calls. A slot released at redis time + `latest` is never early; one released more
 * than lateMs after redis time + `earliest` is surely late. A slow answer (a loaded Redis or
 * event loop) thus neither releases slots early nor makes them look late.
 */
class RedisClockOffset {
  /**
   * The samples of the last 30 s that can still be the bound: `lows` keeps decreasing `low`s
   * (its head is the greatest), `highs` increasing `high`s (its head the least). A sample
   * that a newer one beats can never be the bound again, so each sample is added and removed
   * once: constant time per call. (It was a filter and two spreads over every sample of the
   * window per call, ~1.5 % of a worker's CPU at thousands of calls a window.)
   */
  private lows = new Deque<ClockSample>();
  private highs = new Deque<ClockSample>();

  sample(
    sentAt: number,
    answeredAt: number,
    redisMs: number,
  ): { earliest: number; latest: number } {
    const sample = { at: answeredAt, low: sentAt - redisMs, high: answeredAt - redisMs };
    // Calls are sampled as they are answered, so `at` never decreases: the oldest are in front.
    for (const d of [this.lows, this.highs])
      while (!d.empty() && d.first().at <= answeredAt - 30_000) d.shift();
    while (!this.lows.empty() && this.lows.last().low <= sample.low) this.lows.pop();
    this.lows.push(sample);
    while (!this.highs.empty() && this.highs.last().high >= sample.high) this.highs.pop();
    this.highs.push(sample);
    const earliest = this.lows.first().low;
    const latest = this.highs.first().high;
    if (earliest > latest) {
      // A clock stepped (Redis's wall clock was set): only this call is to be trusted.
      this.lows = new Deque([sample]);
      this.highs = new Deque([sample]);
      return { earliest: sample.low, latest: sample.high };
    }
    return { earliest, latest };
  }
}

interface ClockSample {
  at: number;
  low: number;
  high: number;
}

/** An array used as a double-ended queue: shift moves a head index, compacted now and then. */
class Deque<T> {
  private items: T[];
  private head = 0;

  constructor(items: T[] = []) {
    this.items = items;
  }

  empty(): boolean {
    return this.head >= this.items.length;
  }

  first(): T {
    return this.items[this.head];
  }

  last(): T {
    return this.items[this.items.length - 1];
  }

  push(item: T): void {
    this.items.push(item);
  }

  pop(): void {
    this.items.pop();
    if (this.empty()) this.clear();
  }

  shift(): void {
    this.head += 1;
    if (this.empty()) this.clear();
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private clear(): void {
    this.items = [];
    this.head = 0;
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The default `marginMs` (and `RATE_LIMIT_PACING_MARGIN_MS`): docs/RELIABILITY.md, "Pacing margin 50 ms". */
export const DEFAULT_MARGIN_MS = 50;

/** Latest a slot is still used after it falls due (ms); later, it is given up. */
const MAX_LATE_MS = 15;

/**
 * Paces the requests to each provider on one even schedule shared by every process on the
 * Redis, so that no one-second window at the provider sees more than its limit: counted per
 * HTTP request (token requests, a retry after a refreshed token and account-status calls
 * included). BullMQ's limiter counts jobs in fixed windows and cannot do this.
 *
 * Slots are spaced evenly (GCRA, {@link GCRA_SCHEDULE}) rather than granted a window's worth
 * at once: a burst let through together reaches the provider bunched up in any order, while
 * requests released one interval apart stay within the limit as long as none is delayed on its
 * way by more than `marginMs` relative to the others. A request whose slot comes while its
 * process was too busy to send it (its timer fires more than {@link MAX_LATE_MS} or `marginMs / 2`
 * late, whichever is less) gives the slot up and asks again, so a stalled process cannot release
 * a bunch of late requests at once; the rest of the margin is for the way to the provider and the
 * provider's own stamping of arrivals.
 *
 * Requests of one process that wait at the same time share one Redis call: while a call is
 * out, newcomers queue, and the next call asks slots for all of them; each is released by a
 * timer at its own slot. Slots are only asked for requests already waiting and lie at most
 * `horizonMs` ahead, so no process sits on slots for long.
 */
export class ProviderRateLimiter implements RequestRateLimiter {
  /** Slots given up because the process reached them too late (for tests and diagnosis). */
  forfeited = 0;
  private readonly waiting = new Map<ProviderName, Waiter[]>();
  private readonly asking = new Set<ProviderName>();
  private readonly intervalUs: Record<ProviderName, number>;
  private readonly horizonUs: Record<ProviderName, number>;
  private readonly lateMs: number;
  private readonly onForfeit?: (provider: ProviderName) => void;
  private readonly clock = new RedisClockOffset();

  constructor(
    private readonly redis: RateLimiterRedis,
    private readonly providerKeys: ProviderKeyPrefix,
    options: PacingOptions,
  ) {
    const marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
    if (!Number.isFinite(marginMs) || marginMs < 0)
      throw new Error(`rate limiter: marginMs must be a number >= 0, got ${marginMs}`);
    const missing = PROVIDERS.filter((p) => {
      const limit = options.limits?.[p];
      return !(typeof limit === 'number' && Number.isFinite(limit) && limit > 0);
    });
    if (missing.length > 0)
      throw new Error(
        `rate limiter: no rate limit for ${missing.map((p) => `${p} (got ${String(options.limits?.[p])})`).join(', ')}; every provider needs a positive requests-per-second limit`,
      );
    this.lateMs = Math.min(MAX_LATE_MS, marginMs / 2);
    this.onForfeit = options.onForfeit;
    this.intervalUs = {} as Record<ProviderName, number>;
    this.horizonUs = {} as Record<ProviderName, number>;
    for (const p of PROVIDERS) {
      const interval = Math.ceil(((1000 + marginMs) * 1000) / options.limits[p]);
      this.intervalUs[p] = interval;
      this.horizonUs[p] = Math.max((options.horizonMs ?? 250) * 1000, 2 * interval);
    }
  }

  acquire(provider: ProviderName): Promise<void> {
    if (!this.intervalUs[provider])
      return Promise.reject(new Error(`rate limiter: unknown provider ${String(provider)}`));
    return new Promise<void>((resolve, reject) => this.enqueue(provider, { resolve, reject }));
  }

  private enqueue(provider: ProviderName, waiter: Waiter, front = false): void {
    const queue = this.waiting.get(provider) ?? [];
    if (front) queue.unshift(waiter);
    else queue.push(waiter);
    this.waiting.set(provider, queue);
    if (!this.asking.has(provider)) void this.ask(provider);
  }

  /** Asks Redis for slots for everyone waiting, until nobody waits (one call out at a time). */
  private async ask(provider: ProviderName): Promise<void> {
    this.asking.add(provider);
    const key = `${this.providerKeys(provider)}:pacing`;
    const interval = this.intervalUs[provider];
    const horizon = this.horizonUs[provider];
    // Wait for a quarter of the horizon to be free rather than asking again for every slot.
    const minBatch = Math.max(1, Math.floor(horizon / interval / 4));
    try {
      for (let queue = this.waiting.get(provider)!; queue.length > 0;) {
        const sentAt = performance.now();
        let granted: number, firstUs: number, waitUs: number, redisNowUs: number;
        try {
          const answer = (await this.redis.eval(
            GCRA_SCHEDULE,
            1,
            key,
            interval,
            queue.length,
            horizon,
            minBatch,
          )) as [number, number, number, number];
          [granted, firstUs, waitUs, redisNowUs] = answer.map(Number);
        } catch (e) {
          // Redis failed: every waiting request fails (the caller's retry policy decides).
          for (const w of queue.splice(0)) w.reject(e);
          return;
        }
        const clock = this.clock.sample(sentAt, performance.now(), redisNowUs / 1000);
        queue.splice(0, granted).forEach((w, i) => {
          const slot = redisNowUs / 1000 + (firstUs + i * interval) / 1000;
          this.release(provider, w, slot + clock.latest, slot + clock.earliest);
        });
        if (granted === 0) await new Promise((r) => setTimeout(r, Math.max(1, waitUs / 1000)));
      }
    } finally {
      this.asking.delete(provider);
    }
  }

  /**
   * Lets the request go at `at` (performance.now() ms, not before its slot), or gives the slot
   * up when it would leave more than lateMs after `earliest`, the earliest the slot can be.
   */
  private release(provider: ProviderName, waiter: Waiter, at: number, earliest: number): void {
    const fire = () => {
      const now = performance.now();
      // A timer may fire up to a loop turn early (libuv's cached clock): wait out the rest.
      if (now < at - 0.5) {
        setTimeout(fire, at - now);
        return;
      }
      if (now - earliest > this.lateMs) {
        this.forfeited++;
        this.onForfeit?.(provider);
        this.enqueue(provider, waiter, true);
        return;
      }
      waiter.resolve();
    };
    const delay = at - performance.now();
    if (delay <= 0) fire();
    else setTimeout(fire, delay);
  }
}
