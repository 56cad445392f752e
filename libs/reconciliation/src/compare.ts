import { absAmount } from '@app/snap';
import type { BalanceAt, LedgerSnapshot } from '@app/ledger';

/** The comparison of one provider balance with the ledger. */
export interface Comparison {
  status: 'matched' | 'mismatched' | 'timing';
  /** provider − ledger, in minor units. */
  difference: bigint;
  /** For `timing`: the ledger amount the provider has not booked yet (null: not explained so). */
  inFlightAmount: bigint | null;
  /** True when the account is to be checked again (after the re-check delay) before anything is final. */
  recheck: boolean;
  /**
   * For a `matched` provider that equals the ledger only after an entry posted while it was
   * being asked (`ledger.duringRequest`), not as of the instant: that balance and the entry's
   * time, which become the result's ledger balance and as-of. Null otherwise.
   */
  matchedDuringRequest: BalanceAt | null;
}

/** What the earlier checks of the same account in the same run saw; absent on the first check. */
export interface EarlierChecks {
  /** The provider's instant (`providerInstant`) at the check just before this one. */
  previousAsOf: Date;
  /** True when this is the last re-check allowed (`RECON_MAX_RECHECKS`). */
  last: boolean;
}

/**
 * Compares a provider balance with the ledger as of the instant its answer is reconciled at
 * (`ledger`; the worker reads it as of the provider's own time, kept inside the span of the
 * request: see `reconciliationInstant`). Nothing alarms on one look: every difference is
 * checked again before it becomes a break.
 *
 * - `matched`: |provider − ledger| ≤ tolerance.
 * - The provider equals, within it, the ledger after an entry posted after that instant but
 *   before its answer arrived (`ledger.duringRequest`: its answer was made in that span and may
 *   hold it). `matched` on a re-check, with the difference to that balance
 *   (`matchedDuringRequest`); on the first look `timing`, as a lag would be: a provider with an
 *   entry the ledger posted a moment ago and without one the ledger holds by mistake looks the
 *   same, and the re-check tells them apart.
 * - First check, any other difference: `timing`, re-checked. Its in-flight amount is set when
 *   the provider equals the ledger before the k newest entries of the in-flight window (money
 *   the provider has not booked yet); a provider ahead of the ledger (an entry the platform
 *   records late, back-dated) cannot be explained from the ledger yet, but is re-checked too.
 * - Re-check: `timing` again while the provider lags only by entries still in the in-flight
 *   window (`RECON_IN_FLIGHT_WINDOW_SECONDS` before its instant: money the platform says may
 *   take that long to reach the provider, whether posted before the first check or since), or
 *   when its clock (`providerInstant`) has not moved past the previous check (nothing new
 *   learned). Re-checked until the last allowed, which judges what it sees: a lag still there
 *   is `mismatched` (a lost entry and a new one of the same amount cannot be told apart by
 *   balances; a break is never hidden). An entry that has left the window unbooked is a break
 *   at the next re-check.
 * - `mismatched`: anything else (nothing in the window explains the difference).
 */
export function compareBalances(
  providerBalance: bigint,
  ledger: LedgerSnapshot,
  tolerance: bigint,
  providerInstant: Date,
  earlier: EarlierChecks | null,
): Comparison {
  const fits = (balance: bigint) => absAmount(providerBalance - balance) <= tolerance;
  const difference = providerBalance - ledger.balance;
  if (fits(ledger.balance))
    return {
      status: 'matched',
      difference,
      inFlightAmount: null,
      recheck: false,
      matchedDuringRequest: null,
    };
  const matchedDuringRequest = ledger.duringRequest.find((then) => fits(then.balance));
  if (matchedDuringRequest && earlier)
    return {
      status: 'matched',
      difference: providerBalance - matchedDuringRequest.balance,
      inFlightAmount: null,
      recheck: false,
      matchedDuringRequest,
    };
  const k = ledger.previousBalances.findIndex(fits);
  const inFlightAmount = k === -1 ? null : ledger.balance - ledger.previousBalances[k];
  const timing: Comparison = {
    status: 'timing',
    difference,
    inFlightAmount,
    recheck: true,
    matchedDuringRequest: null,
  };
  if (!earlier) return timing;
  // A lag of entries still in the window is money in flight, however long it has been so
  // (a provider that books in two minutes is not a break at a one-minute re-check).
  const stillInFlight = k !== -1;
  const clockStood = providerInstant.getTime() <= earlier.previousAsOf.getTime();
  // Never a final `timing`: a lost entry and a new one of the same amount look alike in the
  // balances, so a lag that has not settled by the last re-check is a break (never hidden).
  if ((stillInFlight || clockStood) && !earlier.last) return timing;
  return {
    status: 'mismatched',
    difference,
    inFlightAmount: null,
    recheck: false,
    matchedDuringRequest: null,
  };
}
