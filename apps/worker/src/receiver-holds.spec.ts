import { nextRetryWithinMs, PROMOTION_MARGIN_MS as M, ReceiverHolds } from './receiver-holds';

describe('ReceiverHolds', () => {
  const T0 = 1_000_000;

  it('sends everything while the receiver is not known to be down', () => {
    expect(new ReceiverHolds().waitUntil('s', 'job-1', T0)).toBeNull();
  });

  it('holds the other deliveries until the probe’s next attempt has had its time; the probe itself goes on', () => {
    const holds = new ReceiverHolds();
    expect(holds.receiverDown('s', 'probe', 2_000, 10_000, T0)).toBe(true);
    expect(holds.waitUntil('s', 'other', T0 + 1)).toBe(T0 + 12_000 + M);
    expect(holds.waitUntil('s', 'probe', T0 + 1)).toBeNull();
    // Another subscriber is not held.
    expect(holds.waitUntil('t', 'other', T0 + 1)).toBeNull();
    // Past the hold, the others go on their own.
    expect(holds.waitUntil('s', 'other', T0 + 12_000 + M)).toBeNull();
  });

  it('extends the hold with each failure of its probe, said only once', () => {
    const holds = new ReceiverHolds();
    holds.receiverDown('s', 'probe', 1_000, 500, T0);
    // Its retry may fail after the hold ran out (the queue promoted it late): still the probe.
    expect(holds.receiverDown('s', 'probe', 4_000, 500, T0 + 1_500 + M + 100)).toBe(false);
    expect(holds.waitUntil('s', 'other', T0 + 2_000 + M)).toBe(T0 + 6_100 + 2 * M);
  });

  it('a failure of a delivery already in flight when the hold began changes nothing', () => {
    const holds = new ReceiverHolds();
    holds.receiverDown('s', 'probe', 1_000, 500, T0);
    expect(holds.receiverDown('s', 'early', 60_000, 500, T0 + 10)).toBe(false);
    expect(holds.waitUntil('s', 'early', T0 + 20)).toBe(T0 + 1_500 + M);
  });

  it('after the hold ran out, the next delivery to fail becomes the probe and it is said again', () => {
    const holds = new ReceiverHolds();
    holds.receiverDown('s', 'probe', 1_000, 500, T0);
    const later = T0 + 1_500 + M;
    expect(holds.receiverDown('s', 'next', 2_000, 500, later)).toBe(true);
    expect(holds.waitUntil('s', 'probe', later + 1)).toBe(later + 2_500 + M);
    expect(holds.waitUntil('s', 'next', later + 1)).toBeNull();
  });

  it('lifts the hold when a delivery gets through, or when the probe has no attempt left', () => {
    const holds = new ReceiverHolds();
    holds.receiverDown('s', 'probe', 1_000, 500, T0);
    holds.receiverUp('s');
    expect(holds.waitUntil('s', 'other', T0 + 1)).toBeNull();
    holds.receiverDown('s', 'probe', 1_000, 500, T0);
    holds.receiverDown('s', 'probe', null, 500, T0 + 1_000);
    expect(holds.waitUntil('s', 'other', T0 + 1_001)).toBeNull();
  });
});

describe('nextRetryWithinMs', () => {
  it('is BullMQ’s exponential backoff before jitter, for the attempt just failed', () => {
    // BullMQ: round(2^(attemptsMade - 1) * delay), attemptsMade counting the failed attempt.
    expect(nextRetryWithinMs(0, 13, 1000)).toBe(1000);
    expect(nextRetryWithinMs(1, 13, 1000)).toBe(2000);
    expect(nextRetryWithinMs(11, 13, 1000)).toBe(2048 * 1000);
    expect(nextRetryWithinMs(12, 13, 1000)).toBeNull();
  });
});
