import type { ResultStatus } from './result-status';

/** What the worker records for one account in one run. */
export interface AccountResult {
  runId: string;
  accountId: string;
  status: ResultStatus;
  /** False for a timing difference that still waits for its re-check. */
  final: boolean;
  providerBalance: bigint | null;
  ledgerBalance: bigint | null;
  difference: bigint | null;
  inFlightAmount: bigint | null;
  currency: string | null;
  responseCode: string | null;
  attempts: number;
  providerTime: Date | null;
  asOf: Date | null;
  externalId: string | null;
  errorMessage: string | null;
  /** The account-status values the provider gave, when it was asked (why inactive, or not). */
  providerStatus?: Record<string, string> | null;
  /** The merchant name the provider reported (Finnet names it in every answer). */
  providerName?: string | null;
  /** The provider's own id of its answer (`referenceNo`), where it gives one. */
  providerReference?: string | null;
  /**
   * The bridge of a `mismatched` result from the provider's history (issue 15), or why it
   * could not be built (`{outcome: 'failed'}`); never changes the status.
   */
  attribution?: object | null;
}

/**
 * The result with every field present, in one order, the optional ones as null. Every result
 * the worker builds goes through here, so all of them share one V8 hidden class: a break or an
 * error arriving mid-run otherwise meets hot code compiled for matches only, and V8 throws that
 * code away and compiles it again (bench/README.md, fifteenth look).
 */
export function accountResult(r: AccountResult): AccountResult {
  return {
    runId: r.runId,
    accountId: r.accountId,
    status: r.status,
    final: r.final,
    providerBalance: r.providerBalance,
    ledgerBalance: r.ledgerBalance,
    difference: r.difference,
    inFlightAmount: r.inFlightAmount,
    currency: r.currency,
    responseCode: r.responseCode,
    attempts: r.attempts,
    providerTime: r.providerTime,
    asOf: r.asOf,
    externalId: r.externalId,
    errorMessage: r.errorMessage,
    providerStatus: r.providerStatus ?? null,
    providerName: r.providerName ?? null,
    providerReference: r.providerReference ?? null,
    attribution: r.attribution ?? null,
  };
}

/** A final `error` result: no balances, the failure's message (and code, if the caller adds it). */
export function errorResult(
  base: Pick<AccountResult, 'runId' | 'accountId' | 'attempts'>,
  errorMessage: string | null = null,
): AccountResult {
  return accountResult({
    runId: base.runId,
    accountId: base.accountId,
    attempts: base.attempts,
    status: 'error',
    final: true,
    providerBalance: null,
    ledgerBalance: null,
    difference: null,
    inFlightAmount: null,
    currency: null,
    responseCode: null,
    providerTime: null,
    asOf: null,
    externalId: null,
    errorMessage,
  });
}
