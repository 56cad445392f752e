/** Options of a {@link MicroBatcher}. */
export interface MicroBatcherOptions<I> {
  /** Most items per batch. */
  maxBatch: number;
  /** Batches running at once; items arriving meanwhile wait and go together in the next. */
  maxInFlight: number;
  /**
   * Items with equal keys never share a batch nor run in two batches at once: a later one waits
   * for the earlier one's batch to finish, so equal keys are handled in arrival order (and a
   * statement touches each row only once).
   */
  key?: (item: I) => string;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs many concurrent single-item requests as few multi-item ones: items added in the same
 * turn of the event loop, or while earlier batches are running, go into one call of `run`
 * (which answers item by item, in order). No timer: a lone request goes out at once (after the
 * current turn), and under load batches grow by themselves to what arrives during one batch.
 * When a batch of several fails, its items are retried one by one, so one bad item fails
 * alone and every caller sees the error its own request would have had.
 */
export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly busyKeys = new Set<string>();

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: MicroBatcherOptions<I>,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.queue.length === 0)
      return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.take();
      if (batch.length === 0) return; // every waiting key is busy: the running batch reschedules
      this.inFlight++;
      void this.execute(batch).finally(() => {
        const { key } = this.options;
        if (key) for (const p of batch) this.busyKeys.delete(key(p.item));
        this.inFlight--;
        this.schedule();
      });
    }
  }

  /** The next batch: up to maxBatch items in arrival order, skipping repeated keys. */
  private take(): Pending<I, O>[] {
    const { maxBatch, key } = this.options;
    if (!key) return this.queue.splice(0, maxBatch);
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    const seen = new Set<string>();
    for (const p of this.queue) {
      const k = key(p.item);
      // A key already seen in this pass (taken or left) keeps later items of it waiting.
      if (batch.length < maxBatch && !seen.has(k) && !this.busyKeys.has(k)) {
        this.busyKeys.add(k);
        batch.push(p);
      } else rest.push(p);
      seen.add(k);
    }
    this.queue = rest;
    return batch;
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const out = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(out[i]));
    } catch (e) {
      if (batch.length === 1) {
        batch[0].reject(e);
        return;
      }
      for (const p of batch) {
        try {
          p.resolve((await this.run([p.item]))[0]);
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }
}

/** One batcher per owner object (e.g. per DataSource), made on first use. */
export function batcherFor<K extends object, I, O>(
  cache: WeakMap<K, MicroBatcher<I, O>>,
  owner: K,
  make: () => MicroBatcher<I, O>,
): MicroBatcher<I, O> {
  let b = cache.get(owner);
  if (!b) {
    b = make();
    cache.set(owner, b);
  }
  return b;
}
