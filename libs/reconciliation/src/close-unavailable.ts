import type { DataSource } from 'typeorm';
import type { ProviderName } from '@app/snap';
import { errorResult } from './account-result';
import { saveResult } from './result-store';

/**
 * Closes the accounts of a running run at one provider that have no final result yet as
 * `unavailable` (the provider's circuit breaker is still open at the run's deadline), with
 * `message` saying since when and why. Written through {@link saveResult}, so the run counts
 * them and the last one finalizes it. Returns how many it closed.
 */
export async function closeUnavailableAccounts(
  ds: DataSource,
  runId: string,
  provider: ProviderName,
  message: string,
): Promise<number> {
  const accounts: { id: string }[] = await ds.query(
    `SELECT a.id
       FROM reconciliation_runs r
       JOIN LATERAL unnest(r.account_ids) AS ids(id) ON true
       JOIN provider_accounts a ON a.id = ids.id
      WHERE r.id = $1 AND r.status = 'running' AND a.provider = $2
        AND NOT EXISTS (SELECT 1 FROM reconciliation_results x
                         WHERE x.run_id = r.id AND x.account_id = a.id AND x.is_final)`,
    [runId, provider],
  );
  const outcomes = await Promise.all(
    accounts.map((a) =>
      saveResult(ds, {
        ...errorResult({ runId, accountId: String(a.id), attempts: 0 }, message),
        status: 'unavailable',
      }),
    ),
  );
  return outcomes.filter((o) => o.written).length;
}
