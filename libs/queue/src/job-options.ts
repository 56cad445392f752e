import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '@app/config';

/** Completed jobs are kept a day (Bull Board, and so a repeated enqueue stays a no-op). */
const KEEP_COMPLETED_SECONDS = 24 * 3600;
const KEEP_FAILED_SECONDS = 7 * 24 * 3600;

/** Attempts and exponential backoff with jitter for balance-inquiry jobs, from config. */
export function balanceJobOptions(
  config: Pick<AppConfig, 'JOB_ATTEMPTS' | 'JOB_BACKOFF_MS' | 'JOB_BACKOFF_JITTER'>,
): JobsOptions {
  return {
    attempts: config.JOB_ATTEMPTS,
    backoff: {
      type: 'exponential',
      delay: config.JOB_BACKOFF_MS,
      jitter: config.JOB_BACKOFF_JITTER,
    },
    removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
    removeOnFail: { age: KEEP_FAILED_SECONDS },
  };
}

/** Rate limit of one provider's queue (shared by every worker process through Redis). */
export function providerLimiter(
  config: Pick<
    AppConfig,
    | 'RATE_LIMIT_NETZME_PER_SECOND'
    | 'RATE_LIMIT_NICEPAY_PER_SECOND'
    | 'RATE_LIMIT_FINNET_PER_SECOND'
  >,
  provider: 'netzme' | 'nicepay' | 'finnet',
): { max: number; duration: number } {
  const perSecond = {
    netzme: config.RATE_LIMIT_NETZME_PER_SECOND,
    nicepay: config.RATE_LIMIT_NICEPAY_PER_SECOND,
    finnet: config.RATE_LIMIT_FINNET_PER_SECOND,
  }[provider];
  return { max: perSecond, duration: 1000 };
}

/**
 * An alert delivery: one job per event and URL (the id makes a repeated publish a no-op while
 * the job is kept), retried with exponential backoff 12 times: about 70 minutes in all.
 */
export function webhookJobOptions(jobId: string): JobsOptions {
  return {
    jobId,
    attempts: 12,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
    removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
    removeOnFail: { age: KEEP_FAILED_SECONDS },
  };
}
