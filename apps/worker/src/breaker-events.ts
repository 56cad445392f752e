import type { Queue } from 'bullmq';
import type { AppMetrics, Logger } from '@app/config';
import { BreakerChange, DEFAULT_PROFILES, ProviderName } from '@app/snap';

/**
 * A provider's circuit breaker opened or closed (called once per transition, in the worker
 * whose answer caused it): the log line, the metric, and on recovery the provider's queue
 * resumed at once for every worker instead of at the next probe time. Events for operators
 * (`provider.unavailable` / `provider.recovered`) hang here too.
 */
export function onBreakerChange(
  change: BreakerChange,
  deps: { logger: Logger; metrics: AppMetrics; queues: Record<ProviderName, Queue> },
): void {
  const { provider, state, since, reason, lastSuccessAt } = change;
  const name = DEFAULT_PROFILES[provider].displayName;
  deps.metrics.breakerOpen.set({ provider }, state === 'open' ? 1 : 0);
  if (state === 'open') {
    deps.logger.warn(
      { provider, since: since.toISOString(), reason, lastSuccessAt: lastSuccessAt?.toISOString() },
      `provider unavailable: ${name} circuit breaker opened; its queue waits for probes`,
    );
    return;
  }
  deps.logger.info(
    { provider, since: since.toISOString(), lastSuccessAt: lastSuccessAt?.toISOString() },
    `provider recovered: ${name} circuit breaker closed; its queue resumes`,
  );
  void deps.queues[provider]
    .removeRateLimitKey()
    .catch((e: unknown) =>
      deps.logger.warn(
        { provider, err: (e as Error).message },
        'could not resume the queue; it resumes at the next probe time',
      ),
    );
}
