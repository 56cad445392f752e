import type { DataSource } from 'typeorm';
import { JobStart, jobStart } from './job-start';
import * as runsRepository from './repositories/runs.repository';

/**
 * Whether a balance-inquiry job may be processed, and why not. An admitted job carries what
 * was read to admit it, so the job does not read it again.
 */
export type Admission = { admitted: true; start: JobStart } | { admitted: false; reason: string };

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
 * The run's status comes from the job's start read ({@link jobStart}: one micro-batched
 * statement that also reads the account and whether its result is final), so admitting a
 * job costs no statement of its own. The account set of a run never changes, so it is read
 * once per run and kept for the {@link maxRuns} most recent runs (a `Set`: a 100,000-account
 * run is checked in O(1) per job, where `= ANY(account_ids)` in that statement would detoast
 * and scan the whole array for each job).
 */
export class JobAdmission {
  private readonly members = new Map<string, Promise<Set<string> | null>>();

  constructor(
    private readonly ds: DataSource,
    private readonly maxRuns = 4,
  ) {}

  async check(job: JobClaim, queueProvider: string): Promise<Admission> {
    if (job.provider !== queueProvider)
      return refuse(`the job names provider ${job.provider} but is on the ${queueProvider} queue`);
    if (!/^\d{1,18}$/.test(String(job.runId)) || !/^\d{1,18}$/.test(String(job.accountId)))
      return refuse('the run or account id is not a number');
    const [start, accounts] = await Promise.all([
      jobStart(this.ds, String(job.runId), String(job.accountId)),
      this.accountsOf(String(job.runId)),
    ]);
    const status = start.runStatus;
    if (status === null || accounts === null) return refuse(`run ${job.runId} does not exist`);
    if (status !== 'running') return refuse(`run ${job.runId} is ${status}, not running`);
    if (!accounts.has(String(job.accountId)))
      return refuse(`account ${job.accountId} is not one of run ${job.runId}'s accounts`);
    return { admitted: true, start };
  }

  private accountsOf(runId: string): Promise<Set<string> | null> {
    let found = this.members.get(runId);
    if (!found) {
      found = runsRepository
        .findAccountIds(this.ds, runId)
        .then((ids) => (ids === null ? null : new Set(ids)));
      found.catch(() => this.members.delete(runId));
      this.members.set(runId, found);
      while (this.members.size > this.maxRuns)
        this.members.delete(this.members.keys().next().value as string);
    }
    return found;
  }
}

const refuse = (reason: string): Admission => ({ admitted: false, reason });
