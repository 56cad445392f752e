import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Type } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { APP_LOGGER, JobLogger, JobWorkerHost, Logger, pauseQueueAtLeast } from '@app/infra';
import {
  balanceJobData,
  balanceQueueName,
  BalanceInquiryJobData,
  JOB,
  OnJob,
  providerLimiter,
} from '@app/queue';
import { JobAdmission, nextCheck, recheckTooEarly } from '@app/reconciliation';
import {
  ProviderName,
  ProviderUnavailableError,
  RateLimitedSnapError,
  TokenRejectedSnapError,
  rateLimitPauseMs,
} from '@app/snap';
import {
  BalanceInquiryService,
  InquiryOutcome,
  MAX_RATE_LIMIT_HITS,
} from './balance-inquiry.service';

/**
 * Thin BullMQ processor for one provider's queue: unpacks the job, calls the service, and
 * turns its outcome into queue moves (delay for a re-check, a wait for a 429 / 403xx04).
 * Built per provider because concurrency and rate limit come from config.
 */
export function balanceInquiryProcessor(
  provider: ProviderName,
  config: AppConfig,
): Type<JobWorkerHost> {
  @Processor(balanceQueueName(provider), {
    concurrency: config.WORKER_CONCURRENCY,
    limiter: providerLimiter(config, provider),
    // A killed worker's jobs come back within about twice this: its job locks expire after
    // this long and the stalled-job check runs this often (locks are renewed at half of it).
    stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
    lockDuration: config.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: 2,
  })
  class BalanceInquiryProcessor extends JobWorkerHost {
    constructor(
      private readonly service: BalanceInquiryService,
      @Inject(APP_CONFIG) private readonly settings: AppConfig,
      @Inject(APP_LOGGER) private readonly logger: Logger,
      private readonly admission: JobAdmission,
    ) {
      super();
    }

    /** A Redis hiccup must be logged, not crash the process (an unhandled 'error' event would). */
    @OnWorkerEvent('error')
    onWorkerError(error: Error): void {
      this.logger.warn(
        { queue: balanceQueueName(provider), err: error.message },
        'queue worker error',
      );
    }

    @OnJob(JOB.balanceInquiry)
    async inquire(
      job: Job<BalanceInquiryJobData>,
      token?: string,
    ): Promise<InquiryOutcome | { kind: 'refused'; reason: string }> {
      // A job the producer did not make for this run (added through Redis or Bull Board) is
      // completed without a result: failing it would let the run sweeper put it back.
      const data = balanceJobData(job.data);
      const admission = await this.admission.check(data, provider);
      if (!admission.admitted) {
        this.logger.warn(
          {
            jobId: job.id,
            queue: balanceQueueName(provider),
            job: job.data,
            reason: admission.reason,
          },
          'job refused: not a job of a running run',
        );
        return { kind: 'refused', reason: admission.reason };
      }
      const waitUntil = recheckTooEarly(data);
      if (waitUntil !== null) {
        await job.moveToDelayed(waitUntil, token);
        throw new DelayedError();
      }
      const attempt = {
        number: job.attemptsMade + 1,
        isLast: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      };
      let outcome: InquiryOutcome;
      try {
        const { runId, accountId, provider } = data;
        // Every line the job writes carries its run, account, provider, job and attempt.
        const log = new JobLogger(this.logger, {
          runId,
          accountId,
          provider,
          jobId: job.id,
          attempt: attempt.number,
        });
        outcome = await this.service.process(data, attempt, admission.start, log);
      } catch (e) {
        if (e instanceof ProviderUnavailableError) {
          // The provider is taken for down (circuit breaker): the queue waits, across every
          // worker, until the next probe (or longer, if a pause in force ends later); the job
          // goes back without spending an attempt. The breaker's pause: lifted on recovery.
          await pauseQueueAtLeast(this.worker, e.retryAfterMs, 'breaker');
          throw Worker.RateLimitError();
        }
        const hits = job.data.rateLimitHits ?? 0;
        if (e instanceof RateLimitedSnapError && hits < MAX_RATE_LIMIT_HITS) {
          // The provider asked us to slow down: wait, keeping the attempt. Past the cap the
          // error goes on as a failed attempt (the service decides), so an answer that never
          // changes (an activity count limit spent for the day) ends as an `error` result.
          await job.updateData(Object.assign({}, job.data, { rateLimitHits: hits + 1 }));
          // Our own pause, or as long as the provider's Retry-After asks (up to the cap).
          const pauseMs = rateLimitPauseMs(e.retryAfterMs, {
            pauseMs: this.settings.RATE_LIMIT_PAUSE_MS,
            maxPauseMs: this.settings.RATE_LIMIT_MAX_PAUSE_MS,
          });
          if (this.service.hasOwnCredentials(provider) && e.isActivityLimit) {
            // Each merchant has its own credentials, and 403xx04 counts that partner's
            // activity: the limit is that merchant's. Only this job waits; the provider's other
            // merchants go on. (A 429, coded or a gateway's, is the provider's rate: below.)
            await job.moveToDelayed(Date.now() + pauseMs, token);
            throw new DelayedError();
          }
          // One set of credentials for every account: the whole queue waits, across workers;
          // a longer pause already in force (another job's Retry-After) is kept, not cut, and
          // the breaker's recovery (this very answer may close it) does not lift it.
          await pauseQueueAtLeast(this.worker, pauseMs, 'rate-limit');
          throw Worker.RateLimitError();
        }
        if (e instanceof TokenRejectedSnapError) {
          // Retried once (the service gives up on the second: tokenRejections).
          const tokenRejections = (job.data.tokenRejections ?? 0) + 1;
          await job.updateData(Object.assign({}, job.data, { tokenRejections }));
        }
        throw e;
      }
      if (outcome.kind === 'recheck') {
        const next = nextCheck(job.data, outcome.asOf, this.settings.RECON_RECHECK_DELAY_MS);
        await job.updateData(next);
        await job.moveToDelayed(next.notBefore!, token);
        throw new DelayedError();
      }
      return outcome;
    }
  }
  Object.defineProperty(BalanceInquiryProcessor, 'name', {
    value: `BalanceInquiryProcessor_${provider}`,
  });
  return BalanceInquiryProcessor;
}
