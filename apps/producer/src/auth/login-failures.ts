import type { Cluster, Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RLWrapperTimeouts,
  type RateLimiterLike,
} from 'rate-limiter-flexible';

/** Longest a login check waits for Redis before counting in this process's memory instead. */
const REDIS_TIMEOUT_MS = 300;

/**
 * Failed logins per client address over a minute (`rate-limiter-flexible`), counted in Redis
 * under `keyPrefix`, so every producer process of a deployment shares the count: a
 * password-guessing client gains nothing by spreading its tries over the replicas behind a
 * load balancer. Once a client has failed `perMinute` times it is refused with 429 until the
 * minute has passed, whatever it sends: guessing costs a minute per `perMinute` tries. While
 * Redis is not ready, or does not answer within {@link REDIS_TIMEOUT_MS} (the shared connection
 * queues commands through an outage instead of failing them), the count goes on in this
 * process's memory (the library's insurance limiter) instead of failing or holding the request.
 */
export class LoginFailures {
  private readonly limiter: RateLimiterLike;

  constructor(
    private readonly perMinute: number,
    redis?: { client: Redis | Cluster; keyPrefix: string },
  ) {
    const memory = new RateLimiterMemory({ points: perMinute, duration: 60 });
    // The insurance sits on the wrapper alone: a Redis that is not ready (the inner limiter
    // throws at once) and one that does not answer in time both reach it there, once. On the
    // inner limiter too, a Redis error arriving after the timeout would count the try again.
    this.limiter = redis
      ? new RLWrapperTimeouts({
          limiter: new RateLimiterRedis({
            storeClient: redis.client,
            keyPrefix: redis.keyPrefix,
            points: perMinute,
            duration: 60,
            rejectIfRedisNotReady: true,
          }),
          timeoutMs: REDIS_TIMEOUT_MS,
          insuranceLimiter: memory,
        })
      : memory;
  }

  /** Milliseconds `client` must still wait, or 0 when it may try. */
  async waitMs(client: string): Promise<number> {
    const state = await this.limiter.get(client);
    return state && state.consumedPoints >= this.perMinute ? Math.max(state.msBeforeNext, 1) : 0;
  }

  /** Counts one failed attempt of `client`; the number of failures in the current minute. */
  async record(client: string): Promise<number> {
    const state = await this.limiter.penalty(client, 1);
    return state.consumedPoints;
  }
}
