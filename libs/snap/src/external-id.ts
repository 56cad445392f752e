import { randomInt } from 'node:crypto';

/** Largest instance number that fits the 7 digits reserved for it. */
export const MAX_INSTANCE_ID = 9_999_999;

/**
 * Generates 32-digit numeric X-EXTERNAL-IDs: 13 digits of epoch milliseconds, 7 digits of
 * instance number, 12 digits of a per-instance sequence.
 *
 * Two generators with different instance numbers can never produce the same id, and one
 * generator never repeats itself (the sequence only grows), so ids are unique within a day
 * and beyond. Processes sharing a Redis get distinct instance numbers from
 * {@link allocateInstanceId}; a lone process may use {@link randomInstanceId}.
 */
export class ExternalIdGenerator {
  private sequence = 0;

  constructor(private readonly instanceId: number) {
    if (!Number.isInteger(instanceId) || instanceId < 0 || instanceId > MAX_INSTANCE_ID) {
      throw new RangeError(
        `instanceId must be an integer 0..${MAX_INSTANCE_ID}, got ${instanceId}`,
      );
    }
  }

  /** The next id; call once per HTTP attempt, never reuse. */
  next(now: number = Date.now()): string {
    this.sequence = (this.sequence + 1) % 1e12;
    return (
      String(now).padStart(13, '0').slice(-13) +
      String(this.instanceId).padStart(7, '0') +
      String(this.sequence).padStart(12, '0')
    );
  }
}

/** A random instance number, for a process that shares no Redis with others. */
export function randomInstanceId(): number {
  return randomInt(0, MAX_INSTANCE_ID + 1);
}

/** The minimal Redis surface needed to allocate an instance number. */
export interface InstanceCounter {
  incr(key: string): Promise<number>;
}

/**
 * Allocates an instance number unique among the processes sharing this Redis
 * (an atomic INCR), wrapped into the 7 digits the id reserves for it.
 */
export async function allocateInstanceId(
  redis: InstanceCounter,
  key = 'snap-recon:external-id-instance',
): Promise<number> {
  const n = await redis.incr(key);
  return n % (MAX_INSTANCE_ID + 1);
}
