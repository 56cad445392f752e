import type { DataSource } from 'typeorm';
import { batcherFor, MicroBatcher } from '@app/infra';
import * as resultsRepository from './repositories/results.repository';
import type { JobAccount, JobKey } from './repositories/results.repository';
import type { RunStatus } from './result-status';

export type { JobAccount };

/** What a job needs to know before it calls the provider. */
export interface JobStart {
  /** The account row; undefined when the account does not exist. */
  account: JobAccount | undefined;
  /** The account already has a final result in the run (a redelivered job skips work). */
  hasFinalResult: boolean;
  /** The run is still running (not cancelled or finished): otherwise the job skips work. */
  runOpen: boolean;
  /** The run's status; null when the run does not exist (the job's admission refuses it). */
  runStatus: RunStatus | null;
}

const batchers = new WeakMap<DataSource, MicroBatcher<JobKey, JobStart>>();

/**
 * The account row, whether its result in the run is already final, and the run's status, in
 * one round trip. Concurrent calls on the same data source (a busy worker has ~150 jobs in
 * flight) are answered by one statement of up to 200 keys.
 */
export function jobStart(ds: DataSource, runId: string, accountId: string): Promise<JobStart> {
  const batcher = batcherFor(
    batchers,
    ds,
    () =>
      new MicroBatcher<JobKey, JobStart>(
        async (keys) =>
          (await resultsRepository.readJobStarts(ds, keys)).map((row) => ({
            account: row.account,
            hasFinalResult: row.hasFinalResult,
            runStatus: row.runStatus,
            runOpen: row.runStatus === 'running',
          })),
        { maxBatch: 200, maxInFlight: 2 },
      ),
  );
  return batcher.add({ runId, accountId });
}
