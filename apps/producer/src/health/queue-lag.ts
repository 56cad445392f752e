import type { Queue } from 'bullmq';
import { PROVIDERS, ProviderName } from '@app/snap';

/**
 * Seconds the oldest waiting job of each provider queue has waited (0 when none waits): how far
 * the workers are behind. A paused queue's jobs wait too (BullMQ keeps them apart while it is
 * paused): a queue paused in Bull Board showed no lag while its accounts went unchecked. A
 * figure for `/health`'s compatibility check and the `bullmq_queue_lag_seconds` metric, never a
 * reason to restart a process.
 */
export async function queueLagSeconds(
  queues: Record<ProviderName, Queue>,
  now = Date.now(),
): Promise<Record<ProviderName, number>> {
  const lags = await Promise.all(
    PROVIDERS.map(async (p) => {
      const oldest = await Promise.all(
        (['wait', 'paused'] as const).map(async (state) => {
          const [job] = await queues[p].getJobs([state], 0, 0, true);
          return job ? job.timestamp : now;
        }),
      );
      return Math.max(0, Math.round((now - Math.min(...oldest)) / 1000));
    }),
  );
  return Object.fromEntries(PROVIDERS.map((p, i) => [p, lags[i]])) as Record<ProviderName, number>;
}
