import type { DataSource } from 'typeorm';
import type { ProviderName } from '@app/snap';
import { AccountResult, errorResult } from './account-result';
import * as runsRepository from './repositories/runs.repository';
import { saveResult } from './result-store';

/**
 * Closes the accounts of a running run at one provider that have no final result yet as
 * `unavailable` (the provider's circuit breaker is still open at the run's deadline), with
 * `message` saying since when and why. Written through {@link saveResult}, so the run counts
 * them and the last one finalizes it (with `tolerance`, RECON_TOLERANCE). Returns how many it
 * closed, and whether that finished the run (its alerts are then the caller's to send).
 */
export async function closeUnavailableAccounts(
  ds: DataSource,
  runId: string,
  provider: ProviderName,
  message: string,
  tolerance: bigint,
): Promise<{ closed: number; runFinished: boolean }> {
  const accounts = await runsRepository.findAccountsWithoutFinalResult(ds, runId, {
    onlyIfRunning: true,
    provider,
  });
  const outcomes = await Promise.all(
    accounts.map((a) =>
      saveResult(
        ds,
        Object.assign(errorResult({ runId, accountId: a.id, attempts: 0 }, message), {
          status: 'unavailable',
        } satisfies Partial<AccountResult>),
        tolerance,
      ),
    ),
  );
  return {
    closed: outcomes.filter((o) => o.written).length,
    runFinished: outcomes.some((o) => o.runFinished),
  };
}
