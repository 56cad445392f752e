import { absAmount } from '@app/snap';
import type { LedgerSnapshot } from '@app/ledger';

/** The comparison of one provider balance with the ledger. */
export interface Comparison {
  status: 'matched' | 'mismatched' | 'timing';
  /** provider − ledger, in minor units. */
  difference: bigint;
  /** For `timing`: the ledger amount the provider has not booked yet. */
  inFlightAmount: bigint | null;
}

/**
 * Compares a provider balance with the ledger as of the provider's instant.
 *
 * - `matched`: |provider − ledger| ≤ tolerance;
 * - `timing` (first check only): the provider equals, within tolerance, the ledger balance
 *   before the k newest entries of the in-flight window: those entries are money in flight;
 * - `mismatched`: anything else, and any difference still there on the re-check.
 */
export function compareBalances(
  providerBalance: bigint,
  ledger: LedgerSnapshot,
  tolerance: bigint,
  isRecheck: boolean,
): Comparison {
  const difference = providerBalance - ledger.balance;
  if (absAmount(difference) <= tolerance)
    return { status: 'matched', difference, inFlightAmount: null };
  if (!isRecheck) {
    const lagging = ledger.previousBalances.find(
      (before) => absAmount(providerBalance - before) <= tolerance,
    );
    if (lagging !== undefined) {
      return { status: 'timing', difference, inFlightAmount: ledger.balance - lagging };
    }
  }
  return { status: 'mismatched', difference, inFlightAmount: null };
}
