import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { webhookQueueName } from '@app/queue';

/**
 * Injection token of the webhook subscribers' delivery queues by subscriber id:
 * `ReadonlyMap<string, Queue>` (one queue per subscriber of the settings).
 */
export const WEBHOOK_QUEUES = Symbol('WEBHOOK_QUEUES');

/** Provides {@link WEBHOOK_QUEUES} from the registered delivery queues of `subscriberIds`. */
export function webhookQueues(subscriberIds: readonly string[]) {
  return {
    provide: WEBHOOK_QUEUES,
    inject: subscriberIds.map((id) => getQueueToken(webhookQueueName(id))),
    useFactory: (...queues: Queue[]): ReadonlyMap<string, Queue> =>
      new Map(subscriberIds.map((id, i) => [id, queues[i]])),
  };
}
