import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { SIMULATED_PROVIDERS } from './providers';
import { ENDPOINT_KINDS, EndpointKind } from './provider-rules';

const WINDOW_MS = 1_000;
/** The busiest window's arrivals are kept up to this many (beyond, none are). */
export const MAX_BUSIEST_KEPT = 1_000;

/** The largest number of events seen within any one-second sliding window. */
export class SlidingWindowMax {
  private times: number[] = [];
  private head = 0;
  max = 0;
  /** When the busiest window (first) reached its count (the `now` of that event). */
  maxAt = 0;
  /**
   * The arrivals of that window (kept only where asked: it costs a copy each time the max
   * grows; empty when it held more than {@link MAX_BUSIEST_KEPT}).
   */
  busiest: number[] = [];

  /** `keepBusiest`: keep the busiest window's arrival times, for {@link busiest}. */
  constructor(private readonly keepBusiest = false) {}

  /** Records an event at `now` (milliseconds, monotonic). */
  hit(now: number): void {
    this.times.push(now);
    while (this.times[this.head] <= now - WINDOW_MS) this.head += 1;
    const inWindow = this.times.length - this.head;
    if (inWindow > this.max) {
      this.max = inWindow;
      this.maxAt = now;
      // Copied only while a window is small (pacing tests' limits are a few hundred at most):
      // at thousands a second, a copy each time the max grows would cost the simulator a lot.
      if (this.keepBusiest)
        this.busiest = inWindow <= MAX_BUSIEST_KEPT ? this.times.slice(this.head) : [];
    }
    if (this.head > 4_096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}

/** Counts for one endpoint kind of one provider. */
export interface EndpointStats {
  requests: number;
  /** Answers by label: the SNAP code, or `connection-reset`, `read-timeout`, `non-json`, `no-code`. */
  byCode: Record<string, number>;
  /** Most requests within any one-second window. */
  maxPerSecond: number;
  /** When that window ended, ms after `since` (null: no request). */
  maxPerSecondAtMs: number | null;
}

/** Counts for one provider. */
export interface ProviderStats extends EndpointStats {
  byKind: Record<EndpointKind, EndpointStats>;
  tokensIssued: number;
  /**
   * The busiest window's arrivals, ms after its first one (0.1 ms steps): arrivals stamped
   * together by a stall of this loop show as a cluster at one instant (see `loopStalls`);
   * requests sent bunched arrive spread over the milliseconds they were sent in.
   */
  busiestSecondArrivalsMs: number[];
}

/** A stall of the simulator's event loop: when it ended (ms after `since`), and how long it was. */
export interface LoopStall {
  atMs: number;
  ms: number;
}

/** `GET /admin/stats`. */
export interface SimulatorStats {
  /** When counting started (ISO), i.e. start-up or the last reset. */
  since: string;
  totalRequests: number;
  /** Requests to a path the simulator does not serve. */
  unrouted: number;
  providers: Record<string, ProviderStats>;
  /**
   * The simulator's own event loop since `since`: gaps between ticks of a 5 ms timer, in ms
   * (5 when it keeps up). Arrivals are stamped on this loop, so a stall of S ms stamps the
   * requests of those S ms together, and a one-second window can then hold S ms more of the
   * senders' schedule than it should.
   */
  eventLoopDelayMs: { p99: number; max: number };
  /** The loop's stalls of {@link STALL_MS} or more since `since` (the latest {@link MAX_STALLS}). */
  loopStalls: LoopStall[];
  /** Earlier stalls no longer listed. */
  loopStallsDropped: number;
}

/** A gap between ticks of the stall timer this long or longer is a stall. */
const STALL_MS = 20;
const STALL_TICK_MS = 5;
const MAX_STALLS = 200;

class Counter {
  requests = 0;
  readonly byCode = new Map<string, number>();
  readonly window: SlidingWindowMax;

  constructor(keepBusiest: boolean) {
    this.window = new SlidingWindowMax(keepBusiest);
  }

  snapshot(sinceMs: number): EndpointStats {
    return {
      requests: this.requests,
      byCode: Object.fromEntries(this.byCode),
      maxPerSecond: this.window.max,
      maxPerSecondAtMs: this.requests > 0 ? Math.round(this.window.maxAt - sinceMs) : null,
    };
  }
}

/** Request, answer and token counters; cheap enough for thousands of requests a second. */
export class StatsRecorder {
  private since = new Date();
  private sinceMs: number;
  private unrouted = 0;
  private counters = new Map<string, Counter>();
  private tokens = new Map<string, number>();
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 5 });
  private stalls: LoopStall[] = [];
  private stallsDropped = 0;
  private stallTimer?: NodeJS.Timeout;

  constructor(
    private readonly monotonicNow: () => number = () => performance.now(),
    private readonly maxStalls = MAX_STALLS,
  ) {
    this.sinceMs = monotonicNow();
    this.loopDelay.enable();
  }

  /** Lists the loop's stalls from now on (a timer every 5 ms, while the server listens). */
  watchStalls(): void {
    if (this.stallTimer) return;
    let last = performance.now();
    this.stallTimer = setInterval(() => {
      const now = performance.now();
      if (now - last >= STALL_MS) {
        this.stalls.push({ atMs: Math.round(now - this.sinceMs), ms: Math.round(now - last) });
        // The latest are kept: a run's busiest window is as often late as early.
        if (this.stalls.length > this.maxStalls) {
          this.stalls.shift();
          this.stallsDropped += 1;
        }
      }
      last = now;
    }, STALL_TICK_MS);
    this.stallTimer.unref();
  }

  /** Stops listing stalls (the server stopped). */
  unwatchStalls(): void {
    clearInterval(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** A request arrived at a provider endpoint. */
  arrived(provider: string, kind: EndpointKind): void {
    const now = this.monotonicNow();
    for (const c of [this.counter(provider), this.counter(provider, kind)]) {
      c.requests += 1;
      c.window.hit(now);
    }
  }

  /** The answer given (or the fault's label). */
  answered(provider: string, kind: EndpointKind, label: string): void {
    for (const c of [this.counter(provider), this.counter(provider, kind)]) {
      c.byCode.set(label, (c.byCode.get(label) ?? 0) + 1);
    }
  }

  tokenIssued(provider: string): void {
    this.tokens.set(provider, (this.tokens.get(provider) ?? 0) + 1);
  }

  unroutedRequest(): void {
    this.unrouted += 1;
  }

  snapshot(): SimulatorStats {
    const providers = {} as Record<string, ProviderStats>;
    let total = 0;
    for (const p of SIMULATED_PROVIDERS) {
      const own = this.counter(p).snapshot(this.sinceMs);
      total += own.requests;
      providers[p] = {
        ...own,
        byKind: Object.fromEntries(
          ENDPOINT_KINDS.map((k) => [k, this.counter(p, k).snapshot(this.sinceMs)]),
        ) as Record<EndpointKind, EndpointStats>,
        tokensIssued: this.tokens.get(p) ?? 0,
        busiestSecondArrivalsMs: this.counter(p).window.busiest.map(
          (t, _, all) => Math.round((t - all[0]) * 10) / 10,
        ),
      };
    }
    return {
      since: this.since.toISOString(),
      totalRequests: total,
      unrouted: this.unrouted,
      providers,
      eventLoopDelayMs: {
        // The histogram holds nanoseconds; nothing recorded yet reads as 0.
        p99: this.loopDelay.count > 0 ? Math.round(this.loopDelay.percentile(99) / 1e6) : 0,
        max: this.loopDelay.count > 0 ? Math.round(this.loopDelay.max / 1e6) : 0,
      },
      loopStalls: [...this.stalls],
      loopStallsDropped: this.stallsDropped,
    };
  }

  reset(): void {
    this.since = new Date();
    this.sinceMs = this.monotonicNow();
    this.loopDelay.reset();
    this.stalls = [];
    this.stallsDropped = 0;
    this.unrouted = 0;
    this.counters = new Map();
    this.tokens = new Map();
  }

  private counter(provider: string, kind?: EndpointKind): Counter {
    const key = kind ? `${provider}/${kind}` : provider;
    let c = this.counters.get(key);
    if (!c) {
      // The provider's own counter keeps its busiest window's arrivals; the per-kind ones do not.
      c = new Counter(kind === undefined);
      this.counters.set(key, c);
    }
    return c;
  }
}
