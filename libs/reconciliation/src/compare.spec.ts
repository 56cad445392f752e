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
};
const recheck = (earlier: Partial<EarlierChecks> = {}): EarlierChecks => ({
  firstAsOf: at(-60),
  previousAsOf: at(-60),
  last: false,
  ...earlier,
});

describe('compareBalances', () => {
  it('matches an equal balance, on any check', () => {
    const matched = { status: 'matched', difference: 0n, inFlightAmount: null, recheck: false };
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
    });
    expect(compareBalances(10000n, ledger, 0n, T, null)).toEqual({
      status: 'timing',
      difference: 2500n,
      inFlightAmount: -2500n,
      recheck: true,
    });
  });

  it('first check: a difference nothing in the ledger explains yet is re-checked too (never an alarm on one look)', () => {
    expect(compareBalances(1234n, ledger, 0n, T, null)).toEqual({
      status: 'timing',
      difference: -6266n,
      inFlightAmount: null,
      recheck: true,
    });
  });

  it('re-check: the money in flight at the first check still not booked is a break', () => {
    // The first check was at T-5 s: the +500 of T-10 s was in flight then, and still is.
    expect(compareBalances(7000n, ledger, 0n, T, recheck({ firstAsOf: at(-5) }))).toEqual({
      status: 'mismatched',
      difference: -500n,
      inFlightAmount: null,
      recheck: false,
    });
  });

  it('re-check: a lag only of entries posted since the first check (a busy account) is timing again; on the last re-check it is a break (a lost entry and a new one of the same amount look alike: never hidden, found by a reviewer)', () => {
    // The first check was at T-60 s: the +500 of T-10 s came after it.
    expect(compareBalances(7000n, ledger, 0n, T, recheck({ firstAsOf: at(-60) }))).toEqual({
      status: 'timing',
      difference: -500n,
      inFlightAmount: 500n,
      recheck: true,
    });
    expect(
      compareBalances(7000n, ledger, 0n, T, recheck({ firstAsOf: at(-60), last: true })),
    ).toEqual({ status: 'mismatched', difference: -500n, inFlightAmount: null, recheck: false });
    // Two entries unbooked, the older (T-100 s) from before the first check: a break.
    expect(compareBalances(10000n, ledger, 0n, T, recheck({ firstAsOf: at(-60) })).status).toBe(
      'mismatched',
    );
  });

  it('re-check: a provider clock that has not moved past the previous check learned nothing: checked again, judged on the last', () => {
    const stood = { firstAsOf: T, previousAsOf: T };
    expect(compareBalances(1234n, ledger, 0n, T, recheck(stood))).toMatchObject({
      status: 'timing',
      recheck: true,
    });
    expect(compareBalances(1234n, ledger, 0n, at(-1), recheck(stood)).recheck).toBe(true);
    expect(compareBalances(1234n, ledger, 0n, T, recheck({ ...stood, last: true }))).toMatchObject({
      status: 'mismatched',
      recheck: false,
    });
  });

  it('re-check: an unexplained difference on a clock that moved is a break', () => {
    expect(compareBalances(1234n, ledger, 0n, T, recheck())).toEqual({
      status: 'mismatched',
      difference: -6266n,
      inFlightAmount: null,
      recheck: false,
    });
  });
});
