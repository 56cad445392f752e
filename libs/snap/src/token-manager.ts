import { randomUUID } from 'node:crypto';
import { TransientSnapError } from './errors';
import { callDeadlineMs, DEFAULT_TIMEOUTS } from './http';
import type { ProviderName } from './providers/index';
import { rememberRotatingSecretValue } from './secret-values';

/** The Redis command the token manager uses (ioredis satisfies it). */
export interface TokenRedis {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** A token as the provider issued it. */
export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface TokenManagerOptions {
  provider: ProviderName;
  /** Unique per credential set, e.g. `netzme:default:<client id hash>`. */
  cacheKey: string;
  /** Refresh this long before the provider's expiry (capped at half the lifetime). */
  safetyMarginMs?: number;
  /**
   * How long one process may hold the refresh lock (default: {@link tokenLockTtlMs} of the
   * default timeouts). Shorter than a token request may take, a second process asks too.
   */
  lockTtlMs?: number;
  /** How often a process waiting for another's refresh looks again. */
  pollMs?: number;
  now?: () => number;
}

/** Beyond the token request's own deadline: the pace and breaker waits before it is sent. */
export const TOKEN_LOCK_MARGIN_MS = 5_000;

/**
 * The refresh lock's TTL for token requests that may take `callDeadlineMs` (connect + read
 * timeout, {@link callDeadlineMs}): longer than the slowest answer, plus
 * {@link TOKEN_LOCK_MARGIN_MS}. A lock that expired while its request was still out let a
 * second process send another (a fixed 10 s against a 20 s deadline).
 */
export function tokenLockTtlMs(callDeadlineMs: number): number {
  return callDeadlineMs + TOKEN_LOCK_MARGIN_MS;
}

interface CachedToken {
  accessToken: string;
  refreshAt: number;
}

/** Compare-and-delete: drop the cached token only if it is still the one that was rejected. */
const DELETE_IF_SAME = `
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * One round trip for a token that is not in memory: the shared token if there is one, else the
 * refresh lock if nobody holds it (then this process asks the provider), else nothing (wait).
 */
const READ_OR_LOCK = `
local v = redis.call('GET', KEYS[1])
if v then return v end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`;

/**
 * Shares a fresh token and releases the lock, in one round trip, if this process still holds
 * the lock (1). A process whose lock expired while its request was out shares nothing over a
 * token another process shared since (answers that one: it was asked for later) and nothing
 * while another holds the lock (0); with neither, it shares its own (1).
 */
const SHARE_AND_UNLOCK = `
local owner = redis.call('GET', KEYS[2])
if owner == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('DEL', KEYS[2])
  return 1
end
local v = redis.call('GET', KEYS[1])
if v then return v end
if owner then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Release the lock only if this process still owns it. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * One access token per credential set, shared by every process through Redis.
 *
 * - in process: a memory copy, and one in-flight load that all concurrent callers await;
 * - across processes: the token lives in Redis until `refreshAt`; a refresh takes a Redis
 *   lock (SET NX PX) so exactly one process asks the provider, the others wait for its result.
 *   A cold token costs two Redis round trips (read-or-lock, share-and-unlock), each a script.
 *   Both keys go into one script: on Redis Cluster they must share a slot (the cache key
 *   carries a hash tag of provider and credential set, see `SnapClient`).
 */
export class TokenManager {
  private local: CachedToken | null = null;
  private inFlight: Promise<string> | null = null;
  private readonly lockKey: string;
  private readonly safetyMarginMs: number;
  private readonly lockTtlMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  /** Token requests this instance asked its issuer for (one held back by a refusal included). */
  fetchCount = 0;

  constructor(
    private readonly redis: TokenRedis,
    private readonly issue: () => Promise<IssuedToken>,
    private readonly options: TokenManagerOptions,
  ) {
    this.lockKey = `${options.cacheKey}:lock`;
    this.safetyMarginMs = options.safetyMarginMs ?? 60_000;
    this.lockTtlMs = options.lockTtlMs ?? tokenLockTtlMs(callDeadlineMs(DEFAULT_TIMEOUTS));
    this.pollMs = options.pollMs ?? 25;
    this.now = options.now ?? Date.now;
  }

  /** A valid access token, from memory, Redis, or (once for everybody) the provider. */
  async get(): Promise<string> {
    if (this.local && this.local.refreshAt > this.now()) return this.local.accessToken;
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Forgets a token the provider rejected, here and in Redis, unless it was already replaced. */
  async invalidate(accessToken: string): Promise<void> {
    if (this.local?.accessToken === accessToken) this.local = null;
    await this.redis.eval(DELETE_IF_SAME, 1, this.options.cacheKey, accessToken);
  }

  private async load(): Promise<string> {
    const deadline = this.now() + this.lockTtlMs * 2;
    const owner = randomUUID();
    while (this.now() < deadline) {
      const answer = await this.redis.eval(
        READ_OR_LOCK,
        2,
        this.options.cacheKey,
        this.lockKey,
        owner,
        this.lockTtlMs,
      );
      if (typeof answer === 'string') {
        const shared = JSON.parse(answer) as CachedToken;
        // Redis drops the key at refreshAt; this guards against clocks apart between processes.
        if (shared.refreshAt > this.now()) return this.keep(shared);
      } else if (Number(answer) === 1) {
        return this.keep(await this.fetchAndShare(owner));
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
    throw new TransientSnapError(
      `${this.options.provider}: timed out waiting for another process's token refresh`,
      {
        provider: this.options.provider,
      },
    );
  }

  /**
   * Asks the provider (this process holds the lock), shares the token and releases the lock;
   * the token to use: this one, or one shared since by a process that took the expired lock.
   */
  private async fetchAndShare(owner: string): Promise<CachedToken> {
    let token: CachedToken;
    try {
      this.fetchCount += 1;
      const issued = await this.issue();
      const lifetimeMs = issued.expiresInSeconds * 1000;
      const margin = Math.min(this.safetyMarginMs, lifetimeMs / 2);
      token = { accessToken: issued.accessToken, refreshAt: this.now() + lifetimeMs - margin };
    } catch (e) {
      await this.redis.eval(RELEASE_LOCK, 1, this.lockKey, owner);
      throw e;
    }
    const ttl = Math.max(1, Math.floor(token.refreshAt - this.now()));
    const shared = await this.redis.eval(
      SHARE_AND_UNLOCK,
      2,
      this.options.cacheKey,
      this.lockKey,
      JSON.stringify(token),
      ttl,
      owner,
    );
    if (typeof shared === 'string') {
      const newer = JSON.parse(shared) as CachedToken;
      if (newer.refreshAt > this.now()) return newer;
    }
    return token;
  }

  private keep(token: CachedToken): string {
    rememberRotatingSecretValue(token.accessToken);
    this.local = token;
    return token.accessToken;
  }
}
