import {
  affectedRows,
  countOf,
  Db,
  idOf,
  moneyOrNull,
  moneyParam,
  preparedQuery,
} from '@app/ledger';
import type { AccountResult } from '../account-result';
import type { AttributionJson } from '../attribution/bridge';
import { isBreakSql, type ResultStatus, type RunStatus } from '../result-status';

/**
 * `reconciliation_results`: the only code that writes it, and the only code that reads it
 * outside the reports' read models. One row per (run, account); a final row is never
 * overwritten.
 */

/** The provider account a balance-inquiry job is about. */
export interface JobAccount {
  id: string;
  provider: string;
  account_no: string;
  currency: string;
  credential_set: string | null;
  /** NICEPay seller id, sent with the balance inquiry. */
  ms_id: string | null;
  /** The merchant name the provider must report, when one is expected. */
  expected_provider_name: string | null;
}

/** A (run, account) pair a job names. */
export interface JobKey {
  runId: string;
  accountId: string;
}

/** What a job needs to know before it calls the provider, read in one statement. */
export interface JobStartRow {
  /** The account row; undefined when the account does not exist. */
  account: JobAccount | undefined;
  /** The account already has a final result in the run. */
  hasFinalResult: boolean;
  /** The run's status; null when there is no such run. */
  runStatus: RunStatus | null;
}

/** What one upsert statement did. */
export interface UpsertOutcome {
  /** `run/account` keys of the rows this statement wrote (a final row is never rewritten). */
  written: Set<string>;
  /** `run/account` keys of the rows this statement made final. */
  madeFinal: Set<string>;
  /** Runs whose completed count reached their account count by this statement. */
  completedRuns: string[];
  /** Runs of the input that were not running (cancelled, closed): none of their rows was written. */
  closedRuns: Set<string>;
}

/** One group of a run's results, for its summary. */
export interface SummaryGroup {
  provider: string;
  status: ResultStatus;
  count: number;
  /** The group's results that are breaks (mismatched, or inactive with a difference). */
  breakCount: number;
  /** Sum of |difference| over the group's breaks (null: none). */
  totalAbsDifference: bigint | null;
  /** Largest |difference| of the group's breaks (null: none). */
  largestAbsDifference: bigint | null;
}

/** A result whose break was (partly) explained, with its account. */
export interface AttributedResult {
  merchantId: string;
  provider: string;
  accountNo: string;
  msId: string | null;
  attribution: AttributionJson;
}

/** The key the upsert reports rows by. */
export const resultKey = (runId: string, accountId: string) => `${runId}/${accountId}`;

/**
 * For each key, in order: the account row, whether its result in the run is final, and the
 * run's status, in one statement whatever the number of keys.
 *
 * The final-result check is a LATERAL lookup with LIMIT 1 per key, not an EXISTS: Postgres may
 * turn an EXISTS into a hashed subplan that reads the whole results table for every batch,
 * and it does so while the table holds a few thousand rows (a new deployment's first runs:
 * measured, ~100 such scans in a 10,000-account run). The LATERAL form is one index probe per
 * key at every table size. It is planned on every call, not prepared ({@link preparedQuery}):
 * while the results table is tiny Postgres probes it through `reconciliation_results_run_difference`
 * (every result of the run read per key), and a plan kept for the connection would keep doing
 * so as the run's results grow into the thousands.
 */
export async function readJobStarts(db: Db, keys: readonly JobKey[]): Promise<JobStartRow[]> {
  const rows: (JobAccount & {
    i: string;
    id: string | null;
    has_final: boolean;
    run_status: RunStatus | null;
  })[] = await db.query(
    `SELECT t.i, a.id, a.provider, a.account_no, a.currency, a.credential_set, a.ms_id,
            a.expected_provider_name,
            f.final IS NOT NULL AS has_final,
            (SELECT r.status FROM reconciliation_runs r WHERE r.id = t.run_id) AS run_status
       FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS t(run_id, account_id, i)
       LEFT JOIN provider_accounts a ON a.id = t.account_id
       LEFT JOIN LATERAL (SELECT true AS final FROM reconciliation_results x
                           WHERE x.run_id = t.run_id AND x.account_id = t.account_id AND x.is_final
                           LIMIT 1) f ON true`,
    [keys.map((k) => k.runId), keys.map((k) => k.accountId)],
  );
  const byIndex = new Map(rows.map((r) => [Number(r.i) - 1, r]));
  return keys.map((_, index) => {
    const row = byIndex.get(index)!;
    const account =
      row.id === null
        ? undefined
        : {
            id: idOf(row.id),
            provider: row.provider,
            account_no: row.account_no,
            currency: row.currency,
            credential_set: row.credential_set,
            ms_id: row.ms_id,
            expected_provider_name: row.expected_provider_name,
          };
    return { account, hasFinalResult: row.has_final, runStatus: row.run_status };
  });
}

/**
 * The upsert's parameters: one array per column, in the statement's order. One loop, not a
 * `map` per column: V8 compiles nineteen inlined closures into one large function, and
 * recompiled it at 0.2 s a time whenever a result of a new kind deoptimized it (bench/README.md,
 * fifteenth look).
 */
function resultColumns(results: readonly AccountResult[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 19 }, () => []);
  for (const r of results) {
    columns[0].push(r.runId);
    columns[1].push(r.accountId);
    columns[2].push(r.status);
    columns[3].push(r.final);
    columns[4].push(moneyParam(r.providerBalance));
    columns[5].push(moneyParam(r.ledgerBalance));
    columns[6].push(moneyParam(r.difference));
    columns[7].push(moneyParam(r.inFlightAmount));
    columns[8].push(r.currency);
    columns[9].push(r.responseCode);
    columns[10].push(r.attempts);
    columns[11].push(r.providerTime);
    columns[12].push(r.asOf);
    columns[13].push(r.externalId);
    columns[14].push(r.errorMessage);
    columns[15].push(r.providerStatus ? JSON.stringify(r.providerStatus) : null);
    columns[16].push(r.providerName ?? null);
    columns[17].push(r.attribution ? JSON.stringify(r.attribution) : null);
    columns[18].push(r.providerReference ?? null);
  }
  return columns;
}

/**
 * Upserts results of distinct (run, account) in one statement: a row is overwritten only
 * while not final, and each run's completed counter moves once by the number of its rows
 * that became final. A result of a run no longer running (cancelled, stalled) is not written.
 * Pass the rows in a steady order (concurrent statements then lock result rows in the same
 * order).
 */
export async function upsertBatch(
  db: Db,
  results: readonly AccountResult[],
): Promise<UpsertOutcome> {
  const rows: {
    kind: 'result' | 'run' | 'closed';
    run_id: string;
    account_id: string | null;
    is_final: boolean | null;
    completed_count: number | null;
    account_count: number | null;
  }[] = await preparedQuery(
    db,
    `WITH input AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::boolean[], $5::bigint[], $6::bigint[],
                            $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::int[], $12::timestamptz[],
                            $13::timestamptz[], $14::text[], $15::text[], $16::jsonb[], $17::text[], $18::jsonb[],
                            $19::text[])
         AS t(run_id, account_id, status, is_final, provider_balance, ledger_balance, difference, in_flight_amount,
              currency, response_code, attempts, provider_time, as_of, external_id, error_message,
              provider_status, provider_name, attribution, provider_reference)
     ), open_runs AS (
       -- Only a running run takes results, and its row is locked first: a cancel (which locks
       -- it to sum the results up) sees every result written before it, and none after.
       SELECT id FROM reconciliation_runs
        WHERE id IN (SELECT DISTINCT run_id FROM input) AND status = 'running'
        FOR NO KEY UPDATE
     ), up AS (
       INSERT INTO reconciliation_results
         (run_id, account_id, status, is_final, provider_balance, ledger_balance, difference,
          in_flight_amount, currency, response_code, attempts, provider_time, as_of, external_id,
          error_message, provider_status, provider_name, attribution, provider_reference, checked_at)
       SELECT run_id, account_id, status, is_final, provider_balance, ledger_balance, difference,
              in_flight_amount, currency, response_code, attempts, provider_time, as_of, external_id,
              error_message, provider_status, provider_name, attribution, provider_reference, now()
         FROM input WHERE run_id IN (SELECT id FROM open_runs)
       ON CONFLICT (run_id, account_id) DO UPDATE SET
         status = EXCLUDED.status, is_final = EXCLUDED.is_final,
         provider_balance = EXCLUDED.provider_balance, ledger_balance = EXCLUDED.ledger_balance,
         difference = EXCLUDED.difference, in_flight_amount = EXCLUDED.in_flight_amount,
         currency = EXCLUDED.currency, response_code = EXCLUDED.response_code,
         attempts = EXCLUDED.attempts, provider_time = EXCLUDED.provider_time, as_of = EXCLUDED.as_of,
         external_id = EXCLUDED.external_id, error_message = EXCLUDED.error_message,
         provider_status = EXCLUDED.provider_status, provider_name = EXCLUDED.provider_name,
         attribution = EXCLUDED.attribution, provider_reference = EXCLUDED.provider_reference,
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
     SELECT 'run', id, NULL, NULL, completed_count, account_count FROM bump
     UNION ALL
     SELECT DISTINCT 'closed', run_id, NULL::bigint, NULL::boolean, NULL::int, NULL::int
       FROM input WHERE run_id NOT IN (SELECT id FROM open_runs)`,
    resultColumns(results),
  );
  const outcome: UpsertOutcome = {
    written: new Set(),
    madeFinal: new Set(),
    completedRuns: [],
    closedRuns: new Set(),
  };
  for (const row of rows) {
    if (row.kind === 'closed') {
      outcome.closedRuns.add(idOf(row.run_id));
    } else if (row.kind === 'result') {
      const key = resultKey(idOf(row.run_id), idOf(row.account_id!));
      outcome.written.add(key);
      if (row.is_final === true) outcome.madeFinal.add(key);
    } else if (
      row.completed_count !== null &&
      row.completed_count >= (row.account_count ?? Infinity)
    ) {
      outcome.completedRuns.push(idOf(row.run_id));
    }
  }
  return outcome;
}

/** A run's results grouped by provider and status, with the break counts and totals. */
export async function summarize(db: Db, runId: string): Promise<SummaryGroup[]> {
  const rows: {
    provider: string;
    status: ResultStatus;
    n: string;
    breaks: string;
    total: string | null;
    largest: string | null;
  }[] = await db.query(
    `SELECT a.provider, r.status, count(*) AS n,
              count(*) FILTER (WHERE ${isBreakSql('r')}) AS breaks,
              sum(abs(r.difference)) FILTER (WHERE ${isBreakSql('r')}) AS total,
              max(abs(r.difference)) FILTER (WHERE ${isBreakSql('r')}) AS largest
         FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1
        GROUP BY a.provider, r.status`,
    [runId],
  );
  return rows.map((r) => ({
    provider: r.provider,
    status: r.status,
    count: countOf(r.n),
    breakCount: countOf(r.breaks),
    totalAbsDifference: moneyOrNull(r.total),
    largestAbsDifference: moneyOrNull(r.largest),
  }));
}

/** How many results a run has (final or not). */
export async function countByRun(db: Db, runId: string): Promise<number> {
  const [{ n }]: { n: string }[] = await db.query(
    `SELECT count(*) AS n FROM reconciliation_results WHERE run_id = $1`,
    [runId],
  );
  return countOf(n);
}

/** The `run/account` keys (see {@link resultKey}) among `keys` that have a final result. */
export async function findFinalKeys(db: Db, keys: readonly JobKey[]): Promise<Set<string>> {
  const rows: { run_id: string; account_id: string }[] = await db.query(
    `SELECT run_id, account_id FROM reconciliation_results
      WHERE is_final AND (run_id, account_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))`,
    [keys.map((k) => k.runId), keys.map((k) => k.accountId)],
  );
  return new Set(rows.map((r) => resultKey(idOf(r.run_id), idOf(r.account_id))));
}

/** An account and the instant before which its last match is wanted. */
export interface LastMatchQuery {
  accountId: string;
  before: Date;
}

/** An account's last matched check: its as-of and when its result was recorded. */
export interface LastMatch {
  asOf: Date;
  /** The result's `checked_at`: after the ledger was read for it. */
  checkedAt: Date;
  /** The provider's own time of that balance, where it gave one (its clock, not ours). */
  providerTime: Date | null;
}

/**
 * For each query, in order: the account's last match before `before` (the matched result
 * with the latest as-of, the latest recorded of those), or null; one statement whatever the
 * number of queries.
 */
export async function lastMatchedAts(
  db: Db,
  queries: readonly LastMatchQuery[],
): Promise<(LastMatch | null)[]> {
  const rows: { i: string; as_of: Date; checked_at: Date; provider_time: Date | null }[] =
    await db.query(
      `SELECT q.i, m.as_of, m.checked_at, m.provider_time
       FROM unnest($1::bigint[], $2::timestamptz[]) WITH ORDINALITY AS q(account_id, before, i)
       CROSS JOIN LATERAL (SELECT as_of, checked_at, provider_time FROM reconciliation_results
                            WHERE account_id = q.account_id AND status = 'matched' AND as_of < q.before
                            ORDER BY as_of DESC, checked_at DESC LIMIT 1) m`,
      [queries.map((q) => q.accountId), queries.map((q) => q.before)],
    );
  const byQuery: (LastMatch | null)[] = queries.map(() => null);
  for (const row of rows)
    byQuery[Number(row.i) - 1] = {
      asOf: row.as_of,
      checkedAt: row.checked_at,
      providerTime: row.provider_time,
    };
  return byQuery;
}

/** A run's results whose break has a bridge (explained or not), by merchant, provider, account. */
export async function findAttributed(db: Db, runId: string): Promise<AttributedResult[]> {
  const rows: {
    merchant_id: string;
    provider: string;
    account_no: string;
    ms_id: string | null;
    attribution: AttributionJson;
  }[] = await db.query(
    `SELECT a.merchant_id, a.provider, a.account_no, a.ms_id, r.attribution
         FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1 AND r.attribution->>'outcome' IN ('explained', 'partly-explained', 'not-explained')
        ORDER BY a.merchant_id, a.provider, a.account_no, a.ms_id NULLS FIRST`,
    [runId],
  );
  return rows.map((r) => ({
    merchantId: r.merchant_id,
    provider: r.provider,
    accountNo: r.account_no,
    msId: r.ms_id,
    attribution: r.attribution,
  }));
}

/**
 * Deletes up to `batchSize` results of runs started before `cutoff` that are over, keeping
 * each account's latest result and those an unresolved discrepancy points at; returns how many.
 */
export async function deleteExpired(db: Db, cutoff: Date, batchSize: number): Promise<number> {
  const { affected } = affectedRows(
    await db.query(
      `DELETE FROM reconciliation_results WHERE id IN (
         SELECT x.id
           FROM reconciliation_runs r
           JOIN reconciliation_results x ON x.run_id = r.id
          WHERE r.started_at < $1 AND r.status <> 'running'
            AND x.run_id < (SELECT max(l.run_id) FROM reconciliation_results l
                             WHERE l.account_id = x.account_id)
            AND NOT EXISTS (SELECT 1 FROM discrepancies d
                             WHERE d.account_id = x.account_id AND d.status <> 'resolved'
                               AND x.run_id IN (d.opened_run_id, d.last_run_id))
          LIMIT $2)`,
      [cutoff, batchSize],
    ),
  );
  return affected;
}
