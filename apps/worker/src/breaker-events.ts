import type { Queue } from 'bullmq';
import { liftBreakerPause, type Logger } from '@app/infra';
import type { AlertPublisher } from '@app/reconciliation';
import { BreakerChange, DEFAULT_PROFILES, ProviderName } from '@app/snap';

/**
 * A provider's circuit breaker opened or closed (called once per transition, in the worker
 * whose answer caused it): the log line, the `provider.unavailable` / `provider.recovered`
 * alert for the subscribed webhooks, and on recovery the breaker's pause of the provider's queue
 * lifted at once for every worker instead of at the next probe time. Only the breaker's own: a
 * rate-limit pause in force (a 429's Retry-After, perhaps the very answer that closed the
 * breaker, which is an answer) runs its course. The breaker's state as a metric is read from
 * Redis by the producer (`snap_provider_breaker_open`): one truth for all workers.
 */
export function onBreakerChange(
  change: BreakerChange,
  deps: { logger: Logger; alerts: AlertPublisher; queues: Record<ProviderName, Queue> },
): void {
  const { provider, state, since, reason, lastSuccessAt } = change;
  const name = DEFAULT_PROFILES[provider].displayName;
  const available = state === 'closed';
  void deps.alerts
    .providerAvailability(
      provider,
      available,
      available ? `${name} answered again` : (reason ?? 'transient failures'),
      available ? (lastSuccessAt ?? new Date()) : since,
    )
    .catch((e: unknown) =>
      deps.logger.warn({ provider, err: (e as Error).message }, 'provider alert not queued'),
    );
  if (!available) {
    deps.logger.warn(
      { provider, since: since.toISOString(), reason, lastSuccessAt: lastSuccessAt?.toISOString() },
      `provider unavailable: ${name} circuit breaker opened; its queue waits for probes`,
    );
    return;
  }
  deps.logger.info(
    { provider, since: since.toISOString(), lastSuccessAt: lastSuccessAt?.toISOString() },
    `provider recovered: ${name} circuit breaker closed; its queue resumes (after a rate-limit pause in force)`,
  );
  void liftBreakerPause(deps.queues[provider]).catch((e: unknown) =>
    deps.logger.warn(
      { provider, err: (e as Error).message },
      'could not resume the queue; it resumes at the next probe time',
    ),
  );
}
