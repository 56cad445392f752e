import { WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { runJob } from '@app/queue';

/**
 * A BullMQ processor whose jobs go to its `@OnJob(name)` methods, one per job name of its
 * queue (the start-up check counts them), instead of one `process` that tells names apart.
 */
export abstract class JobWorkerHost extends WorkerHost {
  process(job: Job, token?: string): Promise<unknown> {
    return runJob(this, job, token);
  }
}
