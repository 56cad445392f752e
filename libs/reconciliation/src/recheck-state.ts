import type { BalanceInquiryJobData } from '@app/queue';
import type { EarlierChecks } from './compare';

const instant = (iso: unknown): Date | null => {
  if (typeof iso !== 'string') return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
};

/**
 * What a balance-inquiry job says its account's earlier checks saw; null on the first check.
 * A re-check job that does not say (queued by an earlier version, or edited by hand) is judged
 * as the last re-check on its own look, as earlier versions judged every re-check.
 */
export function earlierChecks(
  job: BalanceInquiryJobData,
  maxRechecks: number,
): EarlierChecks | null {
  if (job.stage !== 'recheck') return null;
  const previousAsOf = instant(job.previousAsOf);
  if (!previousAsOf) return { previousAsOf: new Date(0), last: true };
  const number = Number.isInteger(job.recheck) ? job.recheck! : maxRechecks;
  return { previousAsOf, last: number >= maxRechecks };
}

/**
 * The job's data for the next check of its account, after a check whose provider instant was
 * `asOf` (its own time, else the request time: what tells whether its clock moved, not the
 * instant the ledger was read as of) asked for one `delayMs` from `now`: it is not judged
 * before then ({@link recheckTooEarly}).
 */
export function nextCheck(
  job: BalanceInquiryJobData,
  asOf: Date,
  delayMs: number,
  now = Date.now(),
): BalanceInquiryJobData {
  const done = job.stage === 'recheck' && Number.isInteger(job.recheck) ? job.recheck! : 0;
  return Object.assign({}, job, {
    stage: 'recheck',
    recheck: done + 1,
    firstAsOf: job.stage === 'recheck' && job.firstAsOf ? job.firstAsOf : asOf.toISOString(),
    previousAsOf: asOf.toISOString(),
    notBefore: now + delayMs,
  });
}

/**
 * When a re-check job is run before its time (its delay failed, a Redis blip or a lost lock,
 * and BullMQ retried it after its backoff; or it stalled and came back): the instant to wait
 * for, else null. Judged early, money still in flight would read as a break.
 */
export function recheckTooEarly(job: BalanceInquiryJobData, now = Date.now()): number | null {
  const notBefore = job.stage === 'recheck' ? job.notBefore : undefined;
  return typeof notBefore === 'number' && Number.isFinite(notBefore) && now < notBefore
    ? notBefore
    : null;
}
