import type { DataSource } from 'typeorm';
import type { AccountResult } from './account-result';
import { finalizeRun } from './run-summary';

/** What saving one result did. */
export interface SaveOutcome {
  /** False when a final result was already there: a retry never writes twice. */
  written: boolean;
  /** True when this result completed the run and the run was finalized. */
  runFinished: boolean;
}

const str = (v: bigint | null) => (v === null ? null : v.toString());

/**
 * Upserts an account's result, unique per (run, account), in one statement that also counts
 * the run's completed accounts: a row is only overwritten while it is not final, and the
 * counter moves only when a row becomes final. The result that completes the run finalizes it.
 */
export async function saveResult(ds: DataSource, r: AccountResult): Promise<SaveOutcome> {
  const rows: { written: string; completed_count: number | null; account_count: number | null }[] =
    await ds.query(
      `WITH up AS (
       INSERT INTO reconciliation_results
         (run_id, account_id, status, is_final, provider_balance, ledger_balance, difference,
          in_flight_amount, currency, response_code, attempts, provider_time, as_of, external_id,
          error_message, checked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now())
       ON CONFLICT (run_id, account_id) DO UPDATE SET
         status = EXCLUDED.status, is_final = EXCLUDED.is_final,
         provider_balance = EXCLUDED.provider_balance, ledger_balance = EXCLUDED.ledger_balance,
         difference = EXCLUDED.difference, in_flight_amount = EXCLUDED.in_flight_amount,
         currency = EXCLUDED.currency, response_code = EXCLUDED.response_code,
         attempts = EXCLUDED.attempts, provider_time = EXCLUDED.provider_time, as_of = EXCLUDED.as_of,
         external_id = EXCLUDED.external_id, error_message = EXCLUDED.error_message,
         checked_at = EXCLUDED.checked_at
       WHERE NOT reconciliation_results.is_final
       RETURNING is_final
     ), bump AS (
       UPDATE reconciliation_runs SET completed_count = completed_count + 1
        WHERE id = $1 AND EXISTS (SELECT 1 FROM up WHERE is_final)
        RETURNING completed_count, account_count
     )
     SELECT (SELECT count(*) FROM up) AS written,
            (SELECT completed_count FROM bump) AS completed_count,
            (SELECT account_count FROM bump) AS account_count`,
      [
        r.runId,
        r.accountId,
        r.status,
        r.final,
        str(r.providerBalance),
        str(r.ledgerBalance),
        str(r.difference),
        str(r.inFlightAmount),
        r.currency,
        r.responseCode,
        r.attempts,
        r.providerTime,
        r.asOf,
        r.externalId,
        r.errorMessage,
      ],
    );
  const row = rows[0];
  const written = Number(row.written) > 0;
  const complete =
    row.completed_count !== null && row.completed_count >= (row.account_count ?? Infinity);
  const runFinished = complete ? await finalizeRun(ds, r.runId) : false;
  return { written, runFinished };
}

/** Whether the account already has a final result in the run (a redelivered job skips work). */
export async function hasFinalResult(
  ds: DataSource,
  runId: string,
  accountId: string,
): Promise<boolean> {
  const rows: unknown[] = await ds.query(
    `SELECT 1 FROM reconciliation_results WHERE run_id = $1 AND account_id = $2 AND is_final`,
    [runId, accountId],
  );
  return rows.length > 0;
}
