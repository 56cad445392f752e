import { PROVIDERS, ProviderName } from '@app/snap';

/** One balance-inquiry queue per provider, so each provider has its own rate limit. */
export function balanceQueueName(provider: ProviderName): string {
  return `balance-inquiry-${provider}`;
}

/** Every balance-inquiry queue name. */
export const BALANCE_QUEUES: readonly string[] = PROVIDERS.map(balanceQueueName);

/** The queue whose job scheduler starts scheduled runs. */
export const SCHEDULE_QUEUE = 'reconciliation-schedule';

/** The queue of discrepancy webhook deliveries. */
export const WEBHOOK_QUEUE = 'discrepancy-webhooks';

/** Every queue of the product, for Bull Board and health checks. */
export const ALL_QUEUES: readonly string[] = [...BALANCE_QUEUES, SCHEDULE_QUEUE, WEBHOOK_QUEUE];

/** The id of the one job scheduler on {@link SCHEDULE_QUEUE}. */
export const SCHEDULER_ID = 'hourly-reconciliation';

/** The id of the job scheduler on {@link SCHEDULE_QUEUE} that deletes old runs and results. */
export const RETENTION_SCHEDULER_ID = 'retention';
