import { randomUUID } from 'node:crypto';
import { TransientSnapError } from './errors';
import type { ProviderName } from './providers';
import { rememberSecretValue } from './secret-values';

/** The Redis commands the token manager uses (ioredis satisfies it). */
export interface TokenRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ttlMs: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<unknown>;
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
  /** How long one process may hold the refresh lock. */
  lockTtlMs?: number;
  /** How often a process waiting for another's refresh looks again. */
  pollMs?: number;
  now?: () => number;
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
 */
export class TokenManager {
  private local: CachedToken | null = null;
  private inFlight: Promise<string> | null = null;
  private readonly lockKey: string;
  private readonly safetyMarginMs: number;
  private readonly lockTtlMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  /** Token requests this instance sent to the provider. */
  fetchCount = 0;

  constructor(
    private readonly redis: TokenRedis,
    private readonly issue: () => Promise<IssuedToken>,
    private readonly options: TokenManagerOptions,
  ) {
    this.lockKey = `${options.cacheKey}:lock`;
    this.safetyMarginMs = options.safetyMarginMs ?? 60_000;
    this.lockTtlMs = options.lockTtlMs ?? 10_000;
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
      const shared = await this.readShared();
      if (shared) return this.keep(shared);
      const locked = await this.redis.set(this.lockKey, owner, 'PX', this.lockTtlMs, 'NX');
      if (locked) {
        try {
          const again = await this.readShared();
          if (again) return this.keep(again);
          return this.keep(await this.fetchAndShare());
        } finally {
          await this.redis.eval(RELEASE_LOCK, 1, this.lockKey, owner);
        }
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

  private async fetchAndShare(): Promise<CachedToken> {
    this.fetchCount += 1;
    const issued = await this.issue();
    const lifetimeMs = issued.expiresInSeconds * 1000;
    const margin = Math.min(this.safetyMarginMs, lifetimeMs / 2);
    const token: CachedToken = {
      accessToken: issued.accessToken,
      refreshAt: this.now() + lifetimeMs - margin,
    };
    const ttl = Math.max(1, Math.floor(token.refreshAt - this.now()));
    await this.redis.set(this.options.cacheKey, JSON.stringify(token), 'PX', ttl);
    return token;
  }

  private async readShared(): Promise<CachedToken | null> {
    const text = await this.redis.get(this.options.cacheKey);
    if (!text) return null;
    const token = JSON.parse(text) as CachedToken;
    return token.refreshAt > this.now() ? token : null;
  }

  private keep(token: CachedToken): string {
    rememberSecretValue(token.accessToken);
    this.local = token;
    return token.accessToken;
  }
}
