import type { Queue } from 'bullmq';
import { PROVIDERS, ProviderName } from '@app/snap';

/**
 * Seconds the oldest waiting job of each provider queue has waited (0 when none waits): how far
 * the workers are behind. A figure for `/health`'s compatibility check and the
 * `bullmq_queue_lag_seconds` metric, never a reason to restart a process.
 */
export async function queueLagSeconds(
  queues: Record<ProviderName, Queue>,
  now = Date.now(),
): Promise<Record<ProviderName, number>> {
  const lags = await Promise.all(
    PROVIDERS.map(async (p) => {
      const [oldest] = await queues[p].getJobs(['wait'], 0, 0, true);
      return oldest ? Math.max(0, Math.round((now - oldest.timestamp) / 1000)) : 0;
    }),
  );
  return Object.fromEntries(PROVIDERS.map((p, i) => [p, lags[i]])) as Record<ProviderName, number>;
}
