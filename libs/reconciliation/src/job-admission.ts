import type { DataSource } from 'typeorm';
import { MicroBatcher } from '@app/infra';

/** Whether a balance-inquiry job may be processed, and why not. */
export type Admission = { admitted: true } | { admitted: false; reason: string };

/** What a job claims: the run, the account, and the provider whose queue it is on. */
export interface JobClaim {
  runId: string;
  accountId: string;
  provider: string;
}

/**
 * Checks a balance-inquiry job against the run it names before any work: the run exists and
 * is `running`, the account is one the run was created for (its `account_ids`, fixed at
 * creation), and the job is on its own provider's queue. Jobs are made only by the producer,
 * but Redis and Bull Board can add others: a forged job for a finished run, or for an account
 * outside the run, once wrote a result that made a run report 101 of 100 accounts.
 *
 * The account set of a run never changes, so it is read once per run and kept for the
 * {@link maxRuns} most recent runs (a `Set`: a 100,000-account run is checked in O(1) per job,
 * where `= ANY(account_ids)` in SQL would scan the array for each job). The status does
 * change, so it is read for every job, micro-batched: one query answers up to 200 jobs.
 */
export class JobAdmission {
  private readonly members = new Map<string, Promise<Set<string> | null>>();
  private readonly statuses: MicroBatcher<string, string | null>;

  constructor(
    private readonly ds: DataSource,
    private readonly maxRuns = 4,
  ) {
    this.statuses = new MicroBatcher((runIds) => this.readStatuses(runIds), {
      maxBatch: 200,
      maxInFlight: 2,
    });
  }

  async check(job: JobClaim, queueProvider: string): Promise<Admission> {
    if (job.provider !== queueProvider)
      return refuse(`the job names provider ${job.provider} but is on the ${queueProvider} queue`);
    if (!/^\d{1,18}$/.test(String(job.runId)) || !/^\d{1,18}$/.test(String(job.accountId)))
      return refuse('the run or account id is not a number');
    const [status, accounts] = await Promise.all([
      this.statuses.add(String(job.runId)),
      this.accountsOf(String(job.runId)),
    ]);
    if (status === null || accounts === null) return refuse(`run ${job.runId} does not exist`);
    if (status !== 'running') return refuse(`run ${job.runId} is ${status}, not running`);
    if (!accounts.has(String(job.accountId)))
      return refuse(`account ${job.accountId} is not one of run ${job.runId}'s accounts`);
    return { admitted: true };
  }

  private accountsOf(runId: string): Promise<Set<string> | null> {
    let found = this.members.get(runId);
    if (!found) {
      found = this.readAccounts(runId);
      found.catch(() => this.members.delete(runId));
      this.members.set(runId, found);
      while (this.members.size > this.maxRuns)
        this.members.delete(this.members.keys().next().value as string);
    }
    return found;
  }

  private async readAccounts(runId: string): Promise<Set<string> | null> {
    const rows: { ids: string[] }[] = await this.ds.query(
      `SELECT account_ids::text[] AS ids FROM reconciliation_runs WHERE id = $1`,
      [runId],
    );
    return rows.length ? new Set(rows[0].ids) : null;
  }

  private async readStatuses(runIds: string[]): Promise<(string | null)[]> {
    const rows: { id: string; status: string }[] = await this.ds.query(
      `SELECT id::text AS id, status FROM reconciliation_runs WHERE id = ANY($1::bigint[])`,
      [runIds],
    );
    const byId = new Map(rows.map((r) => [r.id, r.status]));
    return runIds.map((id) => byId.get(id) ?? null);
  }
}

const refuse = (reason: string): Admission => ({ admitted: false, reason });
