import type { JobsOptions } from 'bullmq';
import { AppConfig, RateLimitKey, rateLimitKey } from '@app/config';

/** Settings of how long finished jobs stay in Redis. */
type KeepSettings = Partial<
  Pick<
    AppConfig,
    | 'JOB_KEEP_COMPLETED_SECONDS'
    | 'JOB_KEEP_COMPLETED_COUNT'
    | 'JOB_KEEP_FAILED_SECONDS'
    | 'JOB_KEEP_FAILED_COUNT'
  >
>;

/**
 * Finished jobs leave Redis by age and by count, whichever comes first. Completed jobs are
 * kept a day by default (Bull Board), failed ones a week (the run sweeper reads them); the
 * counts bound Redis's memory whatever the run size (at 100,000 accounts hourly a day of
 * completed jobs would be 2.4 million hashes).
 */
export function keepFinishedJobs(
  config: KeepSettings = {},
): Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> {
  return {
    removeOnComplete: {
      age: config.JOB_KEEP_COMPLETED_SECONDS ?? 24 * 3600,
      count: config.JOB_KEEP_COMPLETED_COUNT ?? 100_000,
    },
    removeOnFail: {
      age: config.JOB_KEEP_FAILED_SECONDS ?? 7 * 24 * 3600,
      count: config.JOB_KEEP_FAILED_COUNT ?? 100_000,
    },
  };
}

/** Attempts and exponential backoff with jitter for balance-inquiry jobs, from config. */
export function balanceJobOptions(
  config: Pick<AppConfig, 'JOB_ATTEMPTS' | 'JOB_BACKOFF_MS' | 'JOB_BACKOFF_JITTER'> & KeepSettings,
): JobsOptions {
  return {
    attempts: config.JOB_ATTEMPTS,
    backoff: {
      type: 'exponential',
      delay: config.JOB_BACKOFF_MS,
      jitter: config.JOB_BACKOFF_JITTER,
    },
    ...keepFinishedJobs(config),
  };
}

/** Rate limit of one provider's queue (shared by every worker process through Redis). */
export function providerLimiter(
  config: Pick<AppConfig, RateLimitKey>,
  provider: string,
): { max: number; duration: number } {
  const perSecond = config[rateLimitKey(provider)];
  if (!perSecond) throw new Error(`no rate limit for provider ${JSON.stringify(provider)}`);
  return { max: perSecond, duration: 1000 };
}

/** Attempts of an alert delivery: the first and 12 retries. */
export const WEBHOOK_ATTEMPTS = 13;

/**
 * An alert delivery: one job per event and URL (the id makes a repeated publish a no-op while
 * the job is kept): the first attempt and 12 retries with exponential backoff from 1 s, each
 * wait cut by up to half at random (BullMQ's jitter), so 34 to 68 minutes in all, 51 on average
 * (12 attempts in all gave 17 to 34 minutes, where the README promised about 70).
 */
export function webhookJobOptions(jobId: string): JobsOptions {
  return {
    jobId,
    attempts: WEBHOOK_ATTEMPTS,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
    ...keepFinishedJobs(),
  };
}
