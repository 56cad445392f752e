import type { Job, JobSchedulerTemplateOptions, JobsOptions, Queue, RepeatOptions } from 'bullmq';
import { JobName, JobPayloads, jobsOfQueue } from './job-catalogue';

/** One job to add: its payload, typed by the job name, and its options. */
export interface JobToAdd<N extends JobName> {
  data: JobPayloads[N];
  opts?: JobsOptions;
}

/** Throws, naming both, when the catalogue does not put job `name` on `queue`. */
function assertCarries(queue: Queue, name: JobName): void {
  if (!jobsOfQueue(queue.name).includes(name))
    throw new Error(`queue ${queue.name} does not carry ${name} jobs (see QUEUE_JOBS)`);
}

/**
 * Adds jobs named `name` to `queue` in one round trip (BullMQ `addBulk`). The payload type
 * follows the name, and a name the queue does not carry is refused before anything is sent.
 */
export function addJobs<N extends JobName>(
  queue: Queue,
  name: N,
  jobs: readonly JobToAdd<N>[],
): Promise<Job<JobPayloads[N]>[]> {
  assertCarries(queue, name);
  return queue.addBulk(jobs.map(({ data, opts }) => ({ name, data, opts })));
}

/**
 * Creates or updates job scheduler `schedulerId` on `queue`: a job named `name` with `data`
 * every tick of `repeat` (BullMQ `upsertJobScheduler`).
 */
export async function scheduleJobs<N extends JobName>(
  queue: Queue,
  schedulerId: string,
  repeat: Omit<RepeatOptions, 'key'>,
  name: N,
  job: { data: JobPayloads[N]; opts?: JobSchedulerTemplateOptions },
): Promise<void> {
  assertCarries(queue, name);
  await queue.upsertJobScheduler(schedulerId, repeat, { name, data: job.data, opts: job.opts });
}
