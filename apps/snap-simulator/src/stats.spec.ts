import { MAX_BUSIEST_KEPT, SlidingWindowMax, StatsRecorder } from './stats';

describe('SlidingWindowMax', () => {
  it('finds the busiest one-second window, not just the busiest calendar second', () => {
    const w = new SlidingWindowMax();
    // 5 events at 0.6–0.9 s and 5 at 1.1–1.4 s: calendar seconds hold 5 each, a sliding window 10.
    for (const t of [600, 700, 800, 850, 900, 1100, 1200, 1300, 1350, 1400]) w.hit(t);
    expect(w.max).toBe(10);
  });

  it('an event exactly one second later starts a new window', () => {
    const w = new SlidingWindowMax();
    w.hit(0);
    w.hit(1000);
    expect(w.max).toBe(1);
    w.hit(1999);
    expect(w.max).toBe(2);
  });

  it('stays exact over a long steady stream (memory is compacted)', () => {
    const w = new SlidingWindowMax();
    for (let i = 0; i < 100_000; i++) w.hit(i * 2); // 500 per second
    expect(w.max).toBe(500);
  });
});

describe('StatsRecorder', () => {
  it('counts per provider, per endpoint kind and per answer', () => {
    let now = 0;
    const s = new StatsRecorder(() => now);
    s.arrived('netzme', 'token');
    s.answered('netzme', 'token', '2007300');
    s.tokenIssued('netzme');
    for (let i = 0; i < 3; i++) {
      now += 100;
      s.arrived('netzme', 'balance');
      s.answered('netzme', 'balance', i === 0 ? '5001100' : '2001100');
    }
    s.unroutedRequest();
    const snap = s.snapshot();
    expect(snap.totalRequests).toBe(4);
    expect(snap.unrouted).toBe(1);
    expect(snap.providers.netzme).toMatchObject({
      requests: 4,
      byCode: { '2007300': 1, '5001100': 1, '2001100': 2 },
      maxPerSecond: 4,
      tokensIssued: 1,
    });
    expect(snap.providers.netzme.byKind.balance).toEqual({
      requests: 3,
      byCode: { '5001100': 1, '2001100': 2 },
      maxPerSecond: 3,
      maxPerSecondAtMs: 300,
    });
    expect(snap.providers.finnet.requests).toBe(0);
    s.reset();
    expect(s.snapshot().totalRequests).toBe(0);
  });
});

describe('busiest window arrivals and loop stalls', () => {
  it("keeps the busiest window's arrivals, ms after its first", () => {
    let now = 0;
    const s = new StatsRecorder(() => now);
    for (const t of [100, 200, 1500, 1500.04, 1500.5, 2400]) {
      now = t;
      s.arrived('nicepay', 'balance');
    }
    const nicepay = s.snapshot().providers.nicepay;
    expect(nicepay.maxPerSecond).toBe(4);
    expect(nicepay.busiestSecondArrivalsMs).toEqual([0, 0, 0.5, 900]);
  });

  it('keeps no arrivals for a window of more than 1,000 (a copy per new max would cost too much)', () => {
    let now = 0;
    const s = new StatsRecorder(() => now);
    for (let i = 0; i < MAX_BUSIEST_KEPT + 1; i++) {
      now = i * 0.5;
      s.arrived('finnet', 'balance');
    }
    const finnet = s.snapshot().providers.finnet;
    expect(finnet.maxPerSecond).toBe(MAX_BUSIEST_KEPT + 1);
    expect(finnet.busiestSecondArrivalsMs).toEqual([]);
  });

  it("lists a stall of the simulator's own loop with when it ended and how long it was", async () => {
    const s = new StatsRecorder();
    s.watchStalls();
    try {
      await new Promise((r) => setTimeout(r, 20));
      const until = performance.now() + 60;
      while (performance.now() < until); // the loop held for 60 ms
      await new Promise((r) => setTimeout(r, 20));
      // (A loaded machine may add stalls of its own; the held one must be there.)
      const stalls = s.snapshot().loopStalls;
      expect(stalls.filter((st) => st.ms >= 60 && st.atMs >= 80).length).toBeGreaterThanOrEqual(1);
    } finally {
      s.unwatchStalls();
    }
  });

  it('keeps the latest stalls and counts the earlier ones dropped', async () => {
    const s = new StatsRecorder(undefined, 2);
    s.watchStalls();
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 15));
        const until = performance.now() + 40;
        while (performance.now() < until); // the loop held for 40 ms
      }
      await new Promise((r) => setTimeout(r, 15));
      const { loopStalls, loopStallsDropped } = s.snapshot();
      expect(loopStalls).toHaveLength(2);
      expect(loopStallsDropped).toBeGreaterThanOrEqual(1);
      expect(loopStalls[1].atMs).toBeGreaterThan(loopStalls[0].atMs);
    } finally {
      s.unwatchStalls();
    }
  });
});
