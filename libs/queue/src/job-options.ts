import type { JobsOptions } from 'bullmq';
import { AppConfig, RateLimitKey, rateLimitKey } from '@app/config';

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
  config: Pick<AppConfig, RateLimitKey>,
  provider: string,
): { max: number; duration: number } {
  const perSecond = config[rateLimitKey(provider)];
  if (!perSecond) throw new Error(`no rate limit for provider ${JSON.stringify(provider)}`);
  return { max: perSecond, duration: 1000 };
}

/** A discrepancy's webhook: one job per discrepancy (the id makes a repeat a no-op), retried for ~1 h. */
export function webhookJobOptions(discrepancyId: string): JobsOptions {
  return {
    jobId: `discrepancy-${discrepancyId}`,
    attempts: 12,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
    removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
    removeOnFail: { age: KEEP_FAILED_SECONDS },
  };
}
