import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { balanceQueueName } from '@app/queue';
import { PROVIDERS } from '@app/snap';

/** Injection token of the balance-inquiry queues by provider: `Record<ProviderName, Queue>`. */
export const PROVIDER_QUEUES = Symbol('PROVIDER_QUEUES');

/** Provides {@link PROVIDER_QUEUES} from the registered balance-inquiry queues. */
export const providerQueues = {
  provide: PROVIDER_QUEUES,
  inject: PROVIDERS.map((p) => getQueueToken(balanceQueueName(p))),
  useFactory: (...queues: Queue[]) => Object.fromEntries(PROVIDERS.map((p, i) => [p, queues[i]])),
};
