import { randomInt } from 'node:crypto';

/** Largest instance number that fits the 7 digits reserved for it. */
export const MAX_INSTANCE_ID = 9_999_999;

/**
 * Generates 32-digit numeric X-EXTERNAL-IDs: 13 digits of epoch milliseconds, 7 digits of
 * instance number, 12 digits of a per-instance sequence.
 *
 * Two generators with different instance numbers can never produce the same id, and one
 * generator never repeats itself (the sequence only grows), so ids are unique within a day
 * and beyond. Processes sharing a Redis lease distinct instance numbers through
 * `InstanceLease` (instance-lease.ts); a lone process may use {@link randomInstanceId}.
 */
export class ExternalIdGenerator {
  private sequence = 0;

  constructor(private instanceId: number) {
    checkInstanceId(instanceId);
  }

  /**
   * Moves to another instance number (its lease was lost to another process). The sequence
   * carries on, so this generator still never repeats itself.
   */
  reassign(instanceId: number): void {
    checkInstanceId(instanceId);
    this.instanceId = instanceId;
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

function checkInstanceId(instanceId: number): void {
  if (!Number.isInteger(instanceId) || instanceId < 0 || instanceId > MAX_INSTANCE_ID) {
    throw new RangeError(`instanceId must be an integer 0..${MAX_INSTANCE_ID}, got ${instanceId}`);
  }
}

/** A random instance number, for a process that shares no Redis with others. */
export function randomInstanceId(): number {
  return randomInt(0, MAX_INSTANCE_ID + 1);
}
