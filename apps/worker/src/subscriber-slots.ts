/** Deliveries one subscriber may have in flight in one worker process: half its four slots. */
export const DELIVERIES_IN_FLIGHT_PER_SUBSCRIBER = 2;
/** The shortest wait of a delivery whose subscriber has its share in flight. */
export const MIN_WAIT_MS = 50;

/** A taken slot (give it back once the attempt ends), or the instant to wait for. */
export type SlotAnswer = { release: () => void } | { waitUntil: number };

/**
 * Each subscriber's share of this process's delivery slots. A receiver that is slow or never
 * answers holds a slot for up to WEBHOOK_TIMEOUT_MS per delivery: with a backlog it took every
 * slot, and every other subscriber's alerts (the pager's) waited behind it. With a share, its
 * further deliveries wait in the delayed set, no attempt spent, about as long as its oldest
 * delivery in flight has been running (at least {@link MIN_WAIT_MS}, at most until that one's
 * deadline): short for a fast receiver with a backlog, up to one attempt's time for a hung one.
 * Nothing is remembered past the deliveries in flight, so a receiver that recovers is served at
 * once. Per process: each worker gives each subscriber its own share.
 */
export class SubscriberSlots {
  /** Start times of each subscriber's deliveries in flight, oldest first. */
  private readonly inFlight = new Map<string, number[]>();

  constructor(
    private readonly perSubscriber: number,
    private readonly attemptMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  take(subscriber: string, now = Date.now()): SlotAnswer {
    const starts = this.inFlight.get(subscriber) ?? [];
    if (starts.length >= this.perSubscriber) {
      const oldest = starts[0];
      const wait = Math.max(MIN_WAIT_MS, Math.min(now - oldest, oldest + this.attemptMs - now));
      // Up to a fifth more at random, so a backlog does not wake all at once.
      return { waitUntil: now + Math.round(wait * (1 + this.random() / 5)) };
    }
    starts.push(now);
    this.inFlight.set(subscriber, starts);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        starts.splice(starts.indexOf(now), 1);
        if (starts.length === 0) this.inFlight.delete(subscriber);
      },
    };
  }
}
