import { PROVIDERS, ProviderName } from '@app/snap';

/** One balance-inquiry queue per provider, so each provider has its own rate limit. */
export function balanceQueueName(provider: ProviderName): string {
  return `balance-inquiry-${provider}`;
}

/** Every balance-inquiry queue name. */
export const BALANCE_QUEUES: readonly string[] = PROVIDERS.map(balanceQueueName);

/** The queue whose job scheduler starts scheduled runs. */
export const SCHEDULE_QUEUE = 'reconciliation-schedule';

/**
 * The queue all alert deliveries shared before each subscriber had a queue of its own (and of
 * `discrepancy-webhook` jobs from before alerts): still worked, for the jobs already in it.
 */
export const WEBHOOK_QUEUE = 'discrepancy-webhooks';

/**
 * One webhook subscriber's alert deliveries, by its id (the URL's fingerprint, never the URL):
 * a queue each, so a receiver that hangs holds up its own alerts only.
 */
export function webhookQueueName(subscriberId: string): string {
  return `${WEBHOOK_QUEUE}-${subscriberId}`;
}

/** True for a subscriber's delivery queue ({@link webhookQueueName} of a subscriber id). */
export function isSubscriberWebhookQueue(name: string): boolean {
  return /^discrepancy-webhooks-s[0-9a-f]{10}$/.test(name);
}

/**
 * The Redis set, under the queue prefix `prefix` (`queuePrefix` of the settings), of every
 * subscriber id an alert was published to: a worker started without a subscriber's settings
 * finds the deliveries it leaves unworked, and the producer the queues of removed subscribers.
 */
export function webhookSubscribersKey(prefix: string): string {
  return `${prefix}:webhook-subscribers`;
}

/**
 * Every queue of the product whose name does not depend on the settings, for Bull Board and
 * health checks; the subscribers' delivery queues ({@link webhookQueueName}) come on top.
 */
export const ALL_QUEUES: readonly string[] = [...BALANCE_QUEUES, SCHEDULE_QUEUE, WEBHOOK_QUEUE];

/** The id of the one job scheduler on {@link SCHEDULE_QUEUE}. */
export const SCHEDULER_ID = 'hourly-reconciliation';

/** The id of the job scheduler on {@link SCHEDULE_QUEUE} that deletes old runs and results. */
export const RETENTION_SCHEDULER_ID = 'retention';
