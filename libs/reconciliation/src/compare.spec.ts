import { compareBalances } from './compare';

const ledger = { balance: 7500n, previousBalances: [7000n, 10000n], inFlightEntries: 2 };

describe('compareBalances', () => {
  it('matches an equal balance', () => {
    expect(compareBalances(7500n, ledger, 0n, false)).toEqual({
      status: 'matched',
      difference: 0n,
      inFlightAmount: null,
    });
  });

  it('matches within the tolerance, keeping the exact difference', () => {
    expect(compareBalances(7510n, ledger, 10n, false)).toEqual({
      status: 'matched',
      difference: 10n,
      inFlightAmount: null,
    });
    expect(compareBalances(7511n, ledger, 10n, false).status).toBe('mismatched');
  });

  it('calls it timing when the provider has not booked the newest entries yet', () => {
    expect(compareBalances(7000n, ledger, 0n, false)).toEqual({
      status: 'timing',
      difference: -500n,
      inFlightAmount: 500n,
    });
    expect(compareBalances(10000n, ledger, 0n, false)).toEqual({
      status: 'timing',
      difference: 2500n,
      inFlightAmount: -2500n,
    });
  });

  it('never calls a re-check timing', () => {
    expect(compareBalances(7000n, ledger, 0n, true)).toEqual({
      status: 'mismatched',
      difference: -500n,
      inFlightAmount: null,
    });
  });

  it('calls an unexplained difference a mismatch', () => {
    expect(compareBalances(1234n, ledger, 0n, false)).toEqual({
      status: 'mismatched',
      difference: -6266n,
      inFlightAmount: null,
    });
  });
});
