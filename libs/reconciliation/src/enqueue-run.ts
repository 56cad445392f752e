import type { JobsOptions, Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { addJobs, balanceJobId, JOB, JobToAdd } from '@app/queue';
import type { ProviderName } from '@app/snap';
import * as runsRepository from './repositories/runs.repository';

/** How many accounts an enqueue submitted (BullMQ ignores ids already in the queue). */
export interface EnqueueOutcome {
  submitted: number;
}

const CHUNK = 1000;
/** addBulk calls sent before waiting for the oldest: Redis works while the next is built. */
const BULKS_IN_FLIGHT = 4;

/**
 * Enqueues one balance-inquiry job per account of the run that has no final result yet,
 * in bulk, with ids derived from (run, account): repeating it adds nothing, and it resumes
 * a run whose producer died half-way through enqueueing.
 */
export async function enqueueRun(
  ds: DataSource,
  queues: Record<ProviderName, Queue>,
  runId: string,
  jobOptions: JobsOptions,
): Promise<EnqueueOutcome> {
  const accounts = await runsRepository.findAccountsWithoutFinalResult(ds, runId, {
    onlyIfRunning: true,
    ordered: true,
  });
  // A few bulks in flight: building a bulk (this process) and running it (Redis) overlap. One
  // connection runs them in the order sent, so the queue order is the same as one at a time.
  const inFlight = new Set<Promise<unknown>>();
  let failure: { error: unknown } | null = null;
  const send = (queue: Queue, jobs: JobToAdd<typeof JOB.balanceInquiry>[]) => {
    const p: Promise<unknown> = addJobs(queue, JOB.balanceInquiry, jobs)
      .catch((error: unknown) => (failure ??= { error }))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  for (let i = 0; i < accounts.length && !failure; i += CHUNK) {
    const byProvider = new Map<ProviderName, JobToAdd<typeof JOB.balanceInquiry>[]>();
    for (const a of accounts.slice(i, i + CHUNK)) {
      const list = byProvider.get(a.provider) ?? [];
      list.push({
        data: { runId, accountId: a.id, provider: a.provider, stage: 'first' },
        // Not `{ ...jobOptions, jobId }`: a property after a spread is V8's slow path.
        opts: Object.assign({}, jobOptions, { jobId: balanceJobId(runId, a.id) }),
      });
      byProvider.set(a.provider, list);
    }
    for (const [provider, jobs] of byProvider) {
      send(queues[provider], jobs);
      while (inFlight.size >= BULKS_IN_FLIGHT) await Promise.race(inFlight);
    }
  }
  await Promise.all(inFlight);
  if (failure) throw (failure as { error: unknown }).error;
  return { submitted: accounts.length };
}
