import type { DataSource } from 'typeorm';
import { batcherFor, MicroBatcher } from '@app/infra';
import type { AccountResult } from './account-result';
import { finalizeRun } from './run-summary';

/** What saving one result did. */
export interface SaveOutcome {
  /** False when a final result was already there: a retry never writes twice. */
  written: boolean;
  /** True when this result completed the run and the run was finalized. */
  runFinished: boolean;
}

/** Most results written by one statement. */
const MAX_BATCH = 200;

const str = (v: bigint | null) => (v === null ? null : v.toString());
const keyOf = (runId: string, accountId: string) => `${runId}/${accountId}`;
const byKey = (a: AccountResult, b: AccountResult) =>
  a.runId.length - b.runId.length ||
  (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0) ||
  a.accountId.length - b.accountId.length ||
  (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0);

const saveBatchers = new WeakMap<DataSource, MicroBatcher<AccountResult, SaveOutcome>>();

/**
 * Upserts an account's result, unique per (run, account): a row is only overwritten while it is
 * not final, and the run's completed-accounts counter moves only when a row becomes final. The
 * result that completes the run finalizes it (and only that one reports `runFinished`).
 *
 * Concurrent calls on the same data source (a worker's jobs) are written together by one
 * statement of up to 200 rows, which also bumps each run's counter once by the number of its
 * rows that became final: far fewer commits and a far less contended run row than one
 * statement per result. A lone call goes out at once; the promise resolves once the result is
 * committed. Two results of the same (run, account) never share a statement.
 */
export function saveResult(ds: DataSource, r: AccountResult): Promise<SaveOutcome> {
  const batcher = batcherFor(
    saveBatchers,
    ds,
    () =>
      new MicroBatcher<AccountResult, SaveOutcome>((results) => saveResults(ds, results), {
        maxBatch: MAX_BATCH,
        // One write at a time (they would queue on the run row and the WAL flush anyway):
        // results arriving meanwhile go into the next statement, a group commit.
        maxInFlight: 1,
        key: (x) => keyOf(x.runId, x.accountId),
      }),
  );
  return batcher.add(r);
}

/** Writes results of distinct (run, account) in one statement; outcomes in input order. */
async function saveResults(ds: DataSource, input: AccountResult[]): Promise<SaveOutcome[]> {
  // A steady row order, so concurrent statements lock result rows in the same order.
  const results = [...input].sort(byKey);
  const rows: {
    kind: 'result' | 'run';
    run_id: string;
    account_id: string | null;
    is_final: boolean | null;
    completed_count: number | null;
    account_count: number | null;
  }[] = await ds.query(
    `WITH input AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::boolean[], $5::bigint[], $6::bigint[],
                            $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::int[], $12::timestamptz[],
                            $13::timestamptz[], $14::text[], $15::text[], $16::jsonb[], $17::text[], $18::jsonb[])
         AS t(run_id, account_id, status, is_final, provider_balance, ledger_balance, difference, in_flight_amount,
              currency, response_code, attempts, provider_time, as_of, external_id, error_message,
              provider_status, provider_name, attribution)
     ), up AS (
       INSERT INTO reconciliation_results
         (run_id, account_id, status, is_final, provider_balance, ledger_balance, difference,
          in_flight_amount, currency, response_code, attempts, provider_time, as_of, external_id,
          error_message, provider_status, provider_name, attribution, checked_at)
       SELECT run_id, account_id, status, is_final, provider_balance, ledger_balance, difference,
              in_flight_amount, currency, response_code, attempts, provider_time, as_of, external_id,
              error_message, provider_status, provider_name, attribution, now()
         FROM input
       ON CONFLICT (run_id, account_id) DO UPDATE SET
         status = EXCLUDED.status, is_final = EXCLUDED.is_final,
         provider_balance = EXCLUDED.provider_balance, ledger_balance = EXCLUDED.ledger_balance,
         difference = EXCLUDED.difference, in_flight_amount = EXCLUDED.in_flight_amount,
         currency = EXCLUDED.currency, response_code = EXCLUDED.response_code,
         attempts = EXCLUDED.attempts, provider_time = EXCLUDED.provider_time, as_of = EXCLUDED.as_of,
         external_id = EXCLUDED.external_id, error_message = EXCLUDED.error_message,
         provider_status = EXCLUDED.provider_status, provider_name = EXCLUDED.provider_name,
         attribution = EXCLUDED.attribution,
         checked_at = EXCLUDED.checked_at
       WHERE NOT reconciliation_results.is_final
       RETURNING run_id, account_id, is_final
     ), bump AS (
       UPDATE reconciliation_runs r SET completed_count = r.completed_count + f.n
         FROM (SELECT run_id, count(*)::int AS n FROM up WHERE is_final GROUP BY run_id) f
        WHERE r.id = f.run_id
        RETURNING r.id, r.completed_count, r.account_count
     )
     SELECT 'result' AS kind, run_id, account_id, is_final, NULL::int AS completed_count, NULL::int AS account_count FROM up
     UNION ALL
     SELECT 'run', id, NULL, NULL, completed_count, account_count FROM bump`,
    [
      results.map((r) => r.runId),
      results.map((r) => r.accountId),
      results.map((r) => r.status),
      results.map((r) => r.final),
      results.map((r) => str(r.providerBalance)),
      results.map((r) => str(r.ledgerBalance)),
      results.map((r) => str(r.difference)),
      results.map((r) => str(r.inFlightAmount)),
      results.map((r) => r.currency),
      results.map((r) => r.responseCode),
      results.map((r) => r.attempts),
      results.map((r) => r.providerTime),
      results.map((r) => r.asOf),
      results.map((r) => r.externalId),
      results.map((r) => r.errorMessage),
      results.map((r) => (r.providerStatus ? JSON.stringify(r.providerStatus) : null)),
      results.map((r) => r.providerName ?? null),
      results.map((r) => (r.attribution ? JSON.stringify(r.attribution) : null)),
    ],
  );
  const written = new Map<string, boolean>();
  const completedRuns: string[] = [];
  for (const row of rows) {
    if (row.kind === 'result')
      written.set(keyOf(String(row.run_id), String(row.account_id)), row.is_final === true);
    else if (
      row.completed_count !== null &&
      row.completed_count >= (row.account_count ?? Infinity)
    ) {
      completedRuns.push(String(row.run_id));
    }
  }
  const outcomes = new Map<string, SaveOutcome>(
    input.map((r) => [
      keyOf(r.runId, r.accountId),
      { written: written.has(keyOf(r.runId, r.accountId)), runFinished: false },
    ]),
  );
  for (const runId of completedRuns) {
    if (!(await finalizeRun(ds, runId))) continue;
    // The run's last result to become final in this statement is the one that completed it.
    const last = [...results]
      .reverse()
      .find((r) => r.runId === runId && written.get(keyOf(r.runId, r.accountId)));
    if (last) outcomes.get(keyOf(last.runId, last.accountId))!.runFinished = true;
  }
  return input.map((r) => outcomes.get(keyOf(r.runId, r.accountId))!);
}
