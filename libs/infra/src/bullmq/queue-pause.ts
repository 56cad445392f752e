import type { QueueBase, RedisClient } from 'bullmq';

/**
 * The value BullMQ's own `rateLimit` writes: at or above any limiter `max`, so every worker
 * reads the key as "limit reached" until it expires.
 */
const PAUSED = String(Number.MAX_SAFE_INTEGER);

/**
 * KEYS[1] the queue's limiter key, ARGV[1] the pause in ms, ARGV[2] {@link PAUSED}. Sets the
 * pause, keeping the key's expiry where it is later; returns the pause now in force (ms).
 * PTTL is -2 for no key, -1 for a key without expiry: both give way to the new pause.
 */
const PAUSE_AT_LEAST = `
local ms = tonumber(ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left > ms then ms = left end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ms)
return ms
`;

/** The script's command name on BullMQ's client (its own scripts are defined the same way). */
const COMMAND = 'snapReconPauseQueueAtLeast';
/** Clients the command is defined on. */
const defined = new WeakSet<RedisClient>();

/**
 * Pauses the whole queue, across every worker process, for at least `ms`, never shortening a
 * pause already in force. BullMQ's `rateLimit(ms)` sets the queue's limiter key to expire in
 * `ms` whatever it held: a short pause (a 429 without Retry-After) cut a provider's longer
 * Retry-After, and the queue called the provider again too early. One script, so two workers
 * pausing at once cannot interleave. The key is also the limiter's per-window job counter: a
 * window still running is kept too (a shorter pause lasts to the window's end: at most the
 * limiter's duration, 1 s for a provider queue).
 * Returns the pause in force, in ms.
 */
export async function pauseQueueAtLeast(
  queue: Pick<QueueBase, 'client' | 'keys'>,
  ms: number,
): Promise<number> {
  const client = await queue.client;
  if (!defined.has(client)) {
    client.defineCommand(COMMAND, { numberOfKeys: 1, lua: PAUSE_AT_LEAST });
    defined.add(client);
  }
  // PX takes a whole number of at least 1.
  const pauseMs = Math.max(1, Math.ceil(ms));
  return Number(await client.runCommand(COMMAND, [queue.keys.limiter, pauseMs, PAUSED]));
}
