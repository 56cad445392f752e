import { MIN_WAIT_MS, SubscriberSlots } from './subscriber-slots';

describe('SubscriberSlots', () => {
  const T0 = 1_000_000;
  const ATTEMPT_MS = 10_000;
  /** No jitter: the random part is 0. */
  const slots = () => new SubscriberSlots(2, ATTEMPT_MS, () => 0);
  const taken = (a: ReturnType<SubscriberSlots['take']>) => 'release' in a;

  it('gives a subscriber up to its share of slots, then says how long to wait', () => {
    const s = slots();
    expect(taken(s.take('pager', T0))).toBe(true);
    expect(taken(s.take('pager', T0))).toBe(true);
    expect(s.take('pager', T0 + 10)).toEqual({ waitUntil: T0 + 10 + MIN_WAIT_MS });
  });

  it('another subscriber still gets its slots while one has its share in flight', () => {
    const s = slots();
    s.take('finance', T0);
    s.take('finance', T0);
    expect(taken(s.take('pager', T0 + 1))).toBe(true);
  });

  it('waits about as long as the oldest delivery has been running, at most until its deadline', () => {
    const s = slots();
    s.take('finance', T0);
    s.take('finance', T0 + 100);
    // Running 3 s: wait 3 s more.
    expect(s.take('finance', T0 + 3_000)).toEqual({ waitUntil: T0 + 6_000 });
    // Running 8 s: its deadline is 2 s away.
    expect(s.take('finance', T0 + 8_000)).toEqual({ waitUntil: T0 + ATTEMPT_MS });
    // Past its deadline (the timeout not yet handled): the shortest wait.
    expect(s.take('finance', T0 + ATTEMPT_MS + 5)).toEqual({
      waitUntil: T0 + ATTEMPT_MS + 5 + MIN_WAIT_MS,
    });
  });

  it('adds up to a fifth at random, so a backlog does not wake at once', () => {
    const s = new SubscriberSlots(1, ATTEMPT_MS, () => 0.999);
    s.take('finance', T0);
    expect(s.take('finance', T0 + 1_000)).toEqual({ waitUntil: T0 + 1_000 + 1_200 });
  });

  it('a released slot is free at once, and releasing twice frees only one', () => {
    const s = slots();
    const first = s.take('finance', T0);
    s.take('finance', T0 + 1);
    if (!('release' in first)) throw new Error('expected a slot');
    first.release();
    first.release();
    expect(taken(s.take('finance', T0 + 2))).toBe(true);
    expect(taken(s.take('finance', T0 + 3))).toBe(false);
  });
});
