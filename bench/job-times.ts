import type { Cluster, Redis } from 'ioredis';
import { AppConfig } from '@app/config';
import { balanceQueuePrefix, queuePrefix } from '@app/infra';
import { balanceQueueName } from '@app/queue';
import { PROVIDERS } from '@app/snap';

/** Where a job's hash lives: `<prefix of its queue>:<queue>:<job id>`. */
export interface JobRef {
  queue: string;
  id: string;
}

export interface JobTimes {
  /** finishedOn − processedOn of each finished job (its last attempt), ms. */
  processingMs: number[];
  /** Latest finishedOn (epoch ms), or null when no job finished. */
  lastFinishedAt: number | null;
  /** Jobs without a finishedOn (should be none after a complete run). */
  unfinished: number;
}

/**
 * Reads processedOn / finishedOn of the jobs from Redis, pipelined in batches of one queue
 * each (on Cluster a pipeline must stay within one slot, and a queue is one slot).
 */
export async function readJobTimes(
  redis: Redis | Cluster,
  prefixOf: (queue: string) => string,
  jobs: JobRef[],
): Promise<JobTimes> {
  const processingMs: number[] = [];
  let lastFinishedAt: number | null = null;
  let unfinished = 0;
  const byQueue = new Map<string, JobRef[]>();
  for (const j of jobs) {
    const list = byQueue.get(j.queue) ?? [];
    list.push(j);
    byQueue.set(j.queue, list);
  }
  const batches: JobRef[][] = [];
  for (const list of byQueue.values())
    for (let i = 0; i < list.length; i += 5000) batches.push(list.slice(i, i + 5000));
  for (const batch of batches) {
    const pipeline = redis.pipeline();
    for (const j of batch)
      pipeline.hmget(`${prefixOf(j.queue)}:${j.queue}:${j.id}`, 'processedOn', 'finishedOn');
    for (const [err, value] of (await pipeline.exec()) ?? []) {
      const [processedOn, finishedOn] = (err ? [null, null] : value) as (string | null)[];
      if (!finishedOn || !processedOn) {
        unfinished++;
        continue;
      }
      const done = Number(finishedOn);
      processingMs.push(done - Number(processedOn));
      if (lastFinishedAt === null || done > lastFinishedAt) lastFinishedAt = done;
    }
  }
  return { processingMs, lastFinishedAt, unfinished };
}

/** The BullMQ prefix of each queue name under the config (per-provider tags on Cluster). */
export function queuePrefixes(config: AppConfig): (queue: string) => string {
  const byQueue = new Map(
    PROVIDERS.map((p) => [balanceQueueName(p), balanceQueuePrefix(config, p)]),
  );
  return (queue) => byQueue.get(queue) ?? queuePrefix(config);
}
