import type { QueueBase, RedisClient } from 'bullmq';

/**
 * A queue-wide pause is BullMQ's limiter key holding a number at or above the limiter's `max`
 * (BullMQ compares `max <= tonumber(GET key)` in its `getRateLimitTTL`, before handing out any
 * job): every worker reads "limit reached" and waits until the key expires. The number says
 * whose pause it is.
 *
 * A rate-limit pause (a provider's 429, its Retry-After): the value BullMQ's own `rateLimit`
 * writes, 2^53 - 1. Only its expiry ends it.
 */
const RATE_LIMIT_PAUSE = String(Number.MAX_SAFE_INTEGER);
/**
 * The circuit breaker's pause (the queue waits for the next probe): 2^53, one above. Still above
 * any limiter `max` (a configured rate is at most 2^53 - 1) and exact as a Lua number; the
 * breaker's recovery lifts it ({@link liftBreakerPause}).
 */
const BREAKER_PAUSE = String(Number.MAX_SAFE_INTEGER + 1);

/** Whose pause: a provider's rate limit (429, Retry-After) or its open circuit breaker. */
export type QueuePauseKind = 'rate-limit' | 'breaker';

/**
 * KEYS[1] the queue's limiter key, ARGV[1] the pause in ms, ARGV[2] the pause's value,
 * ARGV[3] {@link RATE_LIMIT_PAUSE}. Sets the pause, keeping the key's expiry where it is later;
 * returns the pause now in force (ms). PTTL is -2 for no key, -1 for a key without expiry: both
 * give way to the new pause. A rate-limit pause in force stays one (its end may be before the
 * breaker's, but the one key keeps one end): a breaker pause asked over it extends it and
 * leaves it a rate-limit pause, which the breaker's recovery does not lift.
 */
const PAUSE_AT_LEAST = `
local ms = tonumber(ARGV[1])
local value = ARGV[2]
local left = redis.call('PTTL', KEYS[1])
if left > ms then ms = left end
if left > 0 and redis.call('GET', KEYS[1]) == ARGV[3] then value = ARGV[3] end
redis.call('SET', KEYS[1], value, 'PX', ms)
return ms
`;

/**
 * KEYS[1] the queue's limiter key, ARGV[1] {@link BREAKER_PAUSE}. Deletes the key only while it
 * holds the breaker's pause: a rate-limit pause, or the limiter's job counter, stays as it is.
 * Returns 1 when it lifted a pause, else 0.
 */
const LIFT_BREAKER_PAUSE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** The scripts' command names on BullMQ's client (its own scripts are defined the same way). */
const COMMANDS = {
  snapReconPauseQueueAtLeast: PAUSE_AT_LEAST,
  snapReconLiftBreakerPause: LIFT_BREAKER_PAUSE,
} as const;
/** Clients the commands are defined on. */
const defined = new WeakSet<RedisClient>();

/** Runs one of {@link COMMANDS} on the queue's (or worker's) BullMQ client. */
async function run(
  queue: Pick<QueueBase, 'client'>,
  command: keyof typeof COMMANDS,
  args: (string | number)[],
): Promise<unknown> {
  const client = await queue.client;
  if (!defined.has(client)) {
    for (const [name, lua] of Object.entries(COMMANDS))
      client.defineCommand(name, { numberOfKeys: 1, lua });
    defined.add(client);
  }
  return client.runCommand(command, args);
}

/**
 * Pauses the whole queue, across every worker process, for at least `ms`, never shortening a
 * pause already in force. BullMQ's `rateLimit(ms)` sets the queue's limiter key to expire in
 * `ms` whatever it held: a short pause (a 429 without Retry-After) cut a provider's longer
 * Retry-After, and the queue called the provider again too early. One script, so two workers
 * pausing at once cannot interleave. The key is also the limiter's per-window job counter: a
 * window still running is kept too (a shorter pause lasts to the window's end: at most the
 * limiter's duration, 1 s for a provider queue).
 *
 * `kind` says whose pause it is: the breaker's (until its next probe) is lifted when the breaker
 * closes ({@link liftBreakerPause}); a rate-limit pause (the default, and what BullMQ's own
 * `rateLimit` writes) only ends with its time. A breaker pause asked while a rate-limit pause is
 * in force, or a rate-limit pause over a breaker pause, leaves one rate-limit pause to the later
 * end of the two, so a recovery never cuts a provider's 429; the price, only where the two
 * overlap, is a queue that resumes up to the breaker's remaining pause (one probe interval)
 * after the 429's pause is over instead of at once.
 * Returns the pause in force, in ms.
 */
export async function pauseQueueAtLeast(
  queue: Pick<QueueBase, 'client' | 'keys'>,
  ms: number,
  kind: QueuePauseKind = 'rate-limit',
): Promise<number> {
  // PX takes a whole number of at least 1.
  const pauseMs = Math.max(1, Math.ceil(ms));
  const value = kind === 'breaker' ? BREAKER_PAUSE : RATE_LIMIT_PAUSE;
  return Number(
    await run(queue, 'snapReconPauseQueueAtLeast', [
      queue.keys.limiter,
      pauseMs,
      value,
      RATE_LIMIT_PAUSE,
    ]),
  );
}

/**
 * The provider's circuit breaker closed: ends the queue's pause at once, for every worker, if it
 * is the breaker's own (waiting for the next probe). A rate-limit pause is left to run out: the
 * answer that closed the breaker may well be a 429 whose Retry-After the processor is writing at
 * the same moment on another connection (a plain DEL, BullMQ's `removeRateLimitKey`, deleted it
 * when it landed second). Atomic: compare and delete in one script.
 * Returns whether a pause was lifted.
 */
export async function liftBreakerPause(
  queue: Pick<QueueBase, 'client' | 'keys'>,
): Promise<boolean> {
  return (
    Number(await run(queue, 'snapReconLiftBreakerPause', [queue.keys.limiter, BREAKER_PAUSE])) === 1
  );
}
