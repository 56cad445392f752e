import type { DataSource } from 'typeorm';
import { batcherFor, MicroBatcher } from '@app/infra';

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

/** What a job needs to know before it calls the provider. */
export interface JobStart {
  /** The account row; undefined when the account does not exist. */
  account: JobAccount | undefined;
  /** The account already has a final result in the run (a redelivered job skips work). */
  hasFinalResult: boolean;
  /** The run is still running (not cancelled or finished): otherwise the job skips work. */
  runOpen: boolean;
}

interface JobKey {
  runId: string;
  accountId: string;
}

const batchers = new WeakMap<DataSource, MicroBatcher<JobKey, JobStart>>();

/**
 * The account row and whether its result in the run is already final, in one round trip.
 * Concurrent calls on the same data source (a busy worker has ~150 jobs in flight) are answered
 * by one statement of up to 200 keys.
 */
export function jobStart(ds: DataSource, runId: string, accountId: string): Promise<JobStart> {
  const batcher = batcherFor(
    batchers,
    ds,
    () =>
      new MicroBatcher<JobKey, JobStart>((keys) => readJobStarts(ds, keys), {
        maxBatch: 200,
        maxInFlight: 2,
      }),
  );
  return batcher.add({ runId, accountId });
}

async function readJobStarts(ds: DataSource, keys: JobKey[]): Promise<JobStart[]> {
  const rows: (JobAccount & {
    i: string;
    id: string | null;
    has_final: boolean;
    run_open: boolean;
  })[] = await ds.query(
    `SELECT t.i, a.id, a.provider, a.account_no, a.currency, a.credential_set, a.ms_id,
            a.expected_provider_name,
              EXISTS (SELECT 1 FROM reconciliation_results x
                       WHERE x.run_id = t.run_id AND x.account_id = t.account_id AND x.is_final) AS has_final,
              EXISTS (SELECT 1 FROM reconciliation_runs r WHERE r.id = t.run_id AND r.status = 'running') AS run_open
         FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS t(run_id, account_id, i)
         LEFT JOIN provider_accounts a ON a.id = t.account_id`,
    [keys.map((k) => k.runId), keys.map((k) => k.accountId)],
  );
  const byIndex = new Map(rows.map((r) => [Number(r.i) - 1, r]));
  return keys.map((_, index) => {
    const row = byIndex.get(index)!;
    const account =
      row.id === null
        ? undefined
        : {
            id: String(row.id),
            provider: row.provider,
            account_no: row.account_no,
            currency: row.currency,
            credential_set: row.credential_set,
            ms_id: row.ms_id,
            expected_provider_name: row.expected_provider_name,
          };
    return { account, hasFinalResult: row.has_final, runOpen: row.run_open };
  });
}
