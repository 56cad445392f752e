import type { Redis } from 'ioredis';

/** Where a job's hash lives: `<prefix>:<queue>:<job id>`. */
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

/** Reads processedOn / finishedOn of the jobs from Redis, pipelined in batches. */
export async function readJobTimes(
  redis: Redis,
  prefix: string,
  jobs: JobRef[],
): Promise<JobTimes> {
  const processingMs: number[] = [];
  let lastFinishedAt: number | null = null;
  let unfinished = 0;
  for (let i = 0; i < jobs.length; i += 5000) {
    const pipeline = redis.pipeline();
    for (const j of jobs.slice(i, i + 5000))
      pipeline.hmget(`${prefix}:${j.queue}:${j.id}`, 'processedOn', 'finishedOn');
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
