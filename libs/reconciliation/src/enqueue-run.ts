import type { JobsOptions, Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { balanceJobId, BalanceInquiryJobData, JOB } from '@app/queue';
import type { ProviderName } from '@app/snap';
import type { RunTrigger } from './result-status';
import { finalizeRun } from './finalize-run';

/** Which accounts a run covers; empty means every enabled account. */
export interface RunFilter {
  provider?: ProviderName;
  merchantId?: string;
  /** Only these accounts (ids): a re-check of a list. */
  accountIds?: string[];
}

export interface CreatedRun {
  runId: string;
  accountCount: number;
  /** False when a run for this schedule tick already existed (another producer made it). */
  created: boolean;
}

/**
 * Creates a run row with the ids of the accounts it covers, in one statement, so the set is
 * fixed at creation and a later re-enqueue covers exactly the same accounts. A scheduled run
 * passes its tick as `scheduleKey`: two producers firing at once create one run.
 */
export async function createRun(
  ds: DataSource,
  trigger: RunTrigger,
  filter: RunFilter = {},
  scheduleKey: string | null = null,
): Promise<CreatedRun> {
  const rows: { id: string; account_count: number }[] = await ds.query(
    `INSERT INTO reconciliation_runs (trigger, schedule_key, provider_filter, merchant_filter, account_ids, account_count, account_list)
     SELECT $1, $2, $3, $4, coalesce(array_agg(id ORDER BY id), '{}'), count(*), $5::bigint[] IS NOT NULL
       FROM provider_accounts
      WHERE enabled AND ($3::text IS NULL OR provider = $3) AND ($4::text IS NULL OR merchant_id = $4)
        AND ($5::bigint[] IS NULL OR id = ANY ($5::bigint[]))
     ON CONFLICT (schedule_key) DO NOTHING
     RETURNING id, account_count`,
    [
      trigger,
      scheduleKey,
      filter.provider ?? null,
      filter.merchantId ?? null,
      filter.accountIds ?? null,
    ],
  );
  if (rows.length === 0) {
    const [existing]: { id: string; account_count: number }[] = await ds.query(
      `SELECT id, account_count FROM reconciliation_runs WHERE schedule_key = $1`,
      [scheduleKey],
    );
    return { runId: existing.id, accountCount: existing.account_count, created: false };
  }
  const { id, account_count } = rows[0];
  if (account_count === 0) await finalizeRun(ds, id);
  return { runId: id, accountCount: account_count, created: true };
}

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
  const accounts: { id: string; provider: ProviderName }[] = await ds.query(
    `SELECT a.id, a.provider
       FROM reconciliation_runs r
       JOIN LATERAL unnest(r.account_ids) AS ids(id) ON true
       JOIN provider_accounts a ON a.id = ids.id
      WHERE r.id = $1 AND r.status = 'running'
        AND NOT EXISTS (SELECT 1 FROM reconciliation_results x
                         WHERE x.run_id = r.id AND x.account_id = a.id AND x.is_final)
      ORDER BY a.id`,
    [runId],
  );
  // A few bulks in flight: building a bulk (this process) and running it (Redis) overlap. One
  // connection runs them in the order sent, so the queue order is the same as one at a time.
  const inFlight = new Set<Promise<unknown>>();
  let failure: { error: unknown } | null = null;
  const send = (queue: Queue, jobs: Parameters<Queue['addBulk']>[0]) => {
    const p: Promise<unknown> = queue
      .addBulk(jobs)
      .catch((error: unknown) => (failure ??= { error }))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  for (let i = 0; i < accounts.length && !failure; i += CHUNK) {
    const byProvider = new Map<
      ProviderName,
      { name: string; data: BalanceInquiryJobData; opts: JobsOptions }[]
    >();
    for (const a of accounts.slice(i, i + CHUNK)) {
      const list = byProvider.get(a.provider) ?? [];
      list.push({
        name: JOB.balanceInquiry,
        data: { runId, accountId: a.id, provider: a.provider, stage: 'first' },
        opts: { ...jobOptions, jobId: balanceJobId(runId, a.id) },
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
