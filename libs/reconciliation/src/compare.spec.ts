import { compareBalances, EarlierChecks } from './compare';

const T = new Date('2026-12-01T10:00:00Z');
const at = (seconds: number) => new Date(T.getTime() + seconds * 1000);
// 7,500 as of T; 7,000 before the newest entry (+500 at T-10 s), 10,000 before the two newest
// (-3,000 at T-100 s).
const ledger = {
  balance: 7500n,
  previousBalances: [7000n, 10000n],
  postedAt: [at(-10), at(-100)],
  inFlightEntries: 2,
  // After the instant, before the provider's answer arrived: +1,000 at T+0.1 s (8,500), then
  // -200 at T+0.3 s (8,300).
  duringRequest: [
    { balance: 8300n, at: new Date(T.getTime() + 300) },
    { balance: 8500n, at: new Date(T.getTime() + 100) },
  ],
};
const notAsked = { ...ledger, duringRequest: [] };
const recheck = (earlier: Partial<EarlierChecks> = {}): EarlierChecks => ({
  previousAsOf: at(-60),
  last: false,
  ...earlier,
});

describe('compareBalances', () => {
  it('matches an equal balance, on any check', () => {
    const matched = {
      status: 'matched',
      difference: 0n,
      inFlightAmount: null,
      recheck: false,
      matchedDuringRequest: null,
    };
    expect(compareBalances(7500n, ledger, 0n, T, null)).toEqual(matched);
    expect(compareBalances(7500n, ledger, 0n, T, recheck())).toEqual(matched);
  });

  it('matches within the tolerance, keeping the exact difference', () => {
    expect(compareBalances(7510n, ledger, 10n, T, null)).toMatchObject({
      status: 'matched',
      difference: 10n,
    });
    expect(compareBalances(7511n, ledger, 10n, T, null).status).toBe('timing');
  });

  it('first check: the provider has not booked the newest entries yet: timing with the amount in flight, re-checked', () => {
    expect(compareBalances(7000n, ledger, 0n, T, null)).toEqual({
      status: 'timing',
      difference: -500n,
      inFlightAmount: 500n,
      recheck: true,
      matchedDuringRequest: null,
    });
    expect(compareBalances(10000n, ledger, 0n, T, null)).toEqual({
      status: 'timing',
      difference: 2500n,
      inFlightAmount: -2500n,
      recheck: true,
      matchedDuringRequest: null,
    });
  });

  it('first check: a difference nothing in the ledger explains yet is re-checked too (never an alarm on one look)', () => {
    expect(compareBalances(1234n, ledger, 0n, T, null)).toEqual({
      status: 'timing',
      difference: -6266n,
      inFlightAmount: null,
      recheck: true,
      matchedDuringRequest: null,
    });
  });

  it('re-check: money still in the in-flight window is timing again, though it was in flight at the first check (a provider slow to book is not a break at a one-minute re-check); on the last re-check a lag still there is a break', () => {
    // The +500 of T-10 s, and the -3,000 of T-100 s with it: both inside the window, unbooked.
    expect(compareBalances(7000n, ledger, 0n, T, recheck())).toEqual({
      status: 'timing',
      difference: -500n,
      inFlightAmount: 500n,
      recheck: true,
      matchedDuringRequest: null,
    });
    expect(compareBalances(10000n, ledger, 0n, T, recheck())).toEqual({
      status: 'timing',
      difference: 2500n,
      inFlightAmount: -2500n,
      recheck: true,
      matchedDuringRequest: null,
    });
    // Never a final timing: a lost entry and a new one of the same amount look alike.
    expect(compareBalances(7000n, ledger, 0n, T, recheck({ last: true }))).toEqual({
      status: 'mismatched',
      difference: -500n,
      inFlightAmount: null,
      recheck: false,
      matchedDuringRequest: null,
    });
  });

  it('re-check: an entry that has left the in-flight window unbooked is a break before the last re-check', () => {
    // The same ledger a minute on: the -3,000 of T-100 s is outside a 60 s window now, so only
    // the +500 is in flight; a provider still without both is not explained.
    const minuteOn = {
      ...ledger,
      previousBalances: [7000n],
      postedAt: [at(-10)],
      inFlightEntries: 1,
    };
    expect(compareBalances(10000n, minuteOn, 0n, T, recheck())).toEqual({
      status: 'mismatched',
      difference: 2500n,
      inFlightAmount: null,
      recheck: false,
      matchedDuringRequest: null,
    });
  });

  it('re-check: a provider clock that has not moved past the previous check learned nothing: checked again, judged on the last', () => {
    const stood = { previousAsOf: T };
    expect(compareBalances(1234n, ledger, 0n, T, recheck(stood))).toMatchObject({
      status: 'timing',
      recheck: true,
      matchedDuringRequest: null,
    });
    expect(compareBalances(1234n, ledger, 0n, at(-1), recheck(stood)).recheck).toBe(true);
    expect(compareBalances(1234n, ledger, 0n, T, recheck({ ...stood, last: true }))).toMatchObject({
      status: 'mismatched',
      recheck: false,
      matchedDuringRequest: null,
    });
  });

  it('re-check: an unexplained difference on a clock that moved is a break', () => {
    expect(compareBalances(1234n, ledger, 0n, T, recheck())).toEqual({
      status: 'mismatched',
      difference: -6266n,
      inFlightAmount: null,
      recheck: false,
      matchedDuringRequest: null,
    });
  });

  it('a provider equal to the ledger after an entry posted while it was asked is matched on a re-check, with the difference to that balance and its time; on the first look it is timing', () => {
    for (const earlier of [recheck(), recheck({ last: true })])
      expect(compareBalances(8300n, ledger, 0n, T, earlier)).toEqual({
        status: 'matched',
        difference: 0n,
        inFlightAmount: null,
        recheck: false,
        matchedDuringRequest: { balance: 8300n, at: new Date(T.getTime() + 300) },
      });
    // One look does not settle it: a provider with the -200 of a moment ago and without a +200
    // the ledger holds by mistake looks the same.
    expect(compareBalances(8300n, ledger, 0n, T, null)).toEqual({
      status: 'timing',
      difference: 800n,
      inFlightAmount: null,
      recheck: true,
      matchedDuringRequest: null,
    });
    // Within the tolerance: the first that fits (the newest), the exact difference kept.
    expect(compareBalances(8495n, ledger, 10n, T, recheck())).toMatchObject({
      status: 'matched',
      difference: -5n,
      matchedDuringRequest: { balance: 8500n, at: new Date(T.getTime() + 100) },
    });
  });

  it('the as-of balance wins over a later one; without later entries the same provider is a break at a re-check', () => {
    expect(compareBalances(7500n, ledger, 2000n, T, recheck()).matchedDuringRequest).toBeNull();
    expect(compareBalances(8300n, notAsked, 0n, T, recheck())).toEqual({
      status: 'mismatched',
      difference: 800n,
      inFlightAmount: null,
      recheck: false,
      matchedDuringRequest: null,
    });
    // A balance between those explains nothing.
    expect(compareBalances(8400n, ledger, 0n, T, recheck()).status).toBe('mismatched');
  });
});
