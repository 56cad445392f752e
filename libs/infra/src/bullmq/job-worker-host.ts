import { WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { runJob } from '@app/queue';
import { within } from '../within';

/** How long shutdown waits for a worker still connecting before closing it anyway. */
const CONNECTING_GRACE_MS = 2_000;

/**
 * A BullMQ processor whose jobs go to its `@OnJob(name)` methods, one per job name of its
 * queue (the start-up check counts them), instead of one `process` that tells names apart.
 */
export abstract class JobWorkerHost extends WorkerHost implements BeforeApplicationShutdown {
  process(job: Job, token?: string): Promise<unknown> {
    return runJob(this, job, token);
  }

  /**
   * Stops taking jobs and waits for those in flight, before any module closes what they use.
   * Nest closes the BullMQ workers in `onApplicationShutdown`, the phase in which the SNAP
   * clients' Redis, the app's Redis and Postgres close too: a job still running then failed
   * its next call ("Connection is closed") and could save a wrong final result (a blocked
   * account's break `mismatched` for want of its status). Every `beforeApplicationShutdown`
   * ends before any `onApplicationShutdown` starts; BullMQ's later close is the same close.
   *
   * First it lets a worker that is still connecting finish: BullMQ's close of a connection
   * still initializing removes the connection's listeners while its pending initialisation
   * still reports the disconnect as an 'error' event: with no listener left, the process gets
   * an uncaught "Connection is closed" (an app stopped right after it started). Bounded, so a
   * Redis that is down does not hold the shutdown.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await within(CONNECTING_GRACE_MS, this.worker.waitUntilReady()).catch(() => undefined);
    await this.worker.close();
  }
}
