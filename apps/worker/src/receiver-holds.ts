/** Time for the queue to promote the probe's retry once its backoff is over. */
export const PROMOTION_MARGIN_MS = 1000;

/** A receiver's hold: until when its other deliveries wait, and the delivery that probes it. */
interface Hold {
  until: number;
  probeJobId: string;
}

/**
 * Webhook receivers that are down, in this process. A delivery that finds its receiver down
 * (no answer in time, unreachable, 429 or 5xx) becomes the receiver's probe: it alone goes on
 * retrying on its backoff, while the receiver's other deliveries wait until just after the
 * probe's next attempt has had its time, without spending an attempt. Without it, a receiver
 * that never answers held a delivery slot for WEBHOOK_TIMEOUT_MS per delivery, and with a
 * backlog every other subscriber's alerts (the pager's) queued behind it.
 *
 * Per process: another worker learns the same on its own first failure.
 */
export class ReceiverHolds {
  private readonly holds = new Map<string, Hold>();

  /** When `jobId` to `subscriber` may be sent: `null` for now, else the instant to wait for. */
  waitUntil(subscriber: string, jobId: string, now = Date.now()): number | null {
    const hold = this.holds.get(subscriber);
    if (!hold || hold.probeJobId === jobId || now >= hold.until) return null;
    return hold.until;
  }

  /**
   * `jobId` found `subscriber` down and is retried within `retryInMs` (`null`: no attempt left);
   * each attempt takes up to `attemptMs`. Returns true when this starts a hold (the receiver
   * was not held), so that it is said once.
   */
  receiverDown(
    subscriber: string,
    jobId: string,
    retryInMs: number | null,
    attemptMs: number,
    now = Date.now(),
  ): boolean {
    const hold = this.holds.get(subscriber);
    const isProbe = hold?.probeJobId === jobId;
    if (retryInMs === null) {
      // The probe gave up: the others go on their own, one of them the next probe.
      if (!hold || isProbe) this.holds.delete(subscriber);
      return false;
    }
    const started = !hold || (!isProbe && now >= hold.until);
    if (!started && !isProbe) return false;
    this.holds.set(subscriber, {
      until: now + retryInMs + attemptMs + PROMOTION_MARGIN_MS,
      probeJobId: jobId,
    });
    return started;
  }

  /** A delivery to `subscriber` succeeded: it is up again. */
  receiverUp(subscriber: string): void {
    this.holds.delete(subscriber);
  }
}

/**
 * The longest BullMQ waits before the next attempt of a job with this exponential backoff that
 * has just failed its attempt `attemptsMade + 1`; `null` when that was its last.
 */
export function nextRetryWithinMs(
  attemptsMade: number,
  attempts: number,
  backoffDelayMs: number,
): number | null {
  if (attemptsMade + 1 >= attempts) return null;
  return Math.round(2 ** attemptsMade * backoffDelayMs);
}
