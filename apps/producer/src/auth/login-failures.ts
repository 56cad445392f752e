import { RateLimiterMemory } from 'rate-limiter-flexible';

/**
 * Failed logins per client address over a sliding minute (`rate-limiter-flexible` in memory:
 * per producer process, which is what a password-guessing client hits). Once a client has
 * failed `perMinute` times it is refused with 429 until the minute has passed, whatever it
 * sends: guessing costs a minute per `perMinute` tries.
 */
export class LoginFailures {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly perMinute: number) {
    this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
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
