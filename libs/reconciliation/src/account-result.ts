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
}
