/**
 * One read per source at a time: a scrape that finds a source's read still under way (one a
 * former scrape gave up waiting for) waits on it instead of starting another. While Redis is
 * away its client queues commands rather than fail them: a new read at each scrape would pile
 * up for the whole outage and all run when Redis is back. A read that has not settled after
 * `abandonMs` (a query on a connection gone half-open) is given up, so the source can come
 * back up.
 */
export class SharedReads {
  private readonly reading = new Map<string, { since: number; read: Promise<void> }>();

  constructor(
    private readonly abandonMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The source's read under way, else `read()` started now. */
  run(source: string, read: () => Promise<void>): Promise<void> {
    const under = this.reading.get(source);
    if (under && this.now() - under.since < this.abandonMs) return under.read;
    const reading = {
      since: this.now(),
      read: read().finally(() => {
        if (this.reading.get(source) === reading) this.reading.delete(source);
      }),
    };
    this.reading.set(source, reading);
    return reading.read;
  }
}
