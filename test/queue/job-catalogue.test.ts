import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Processor } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Job } from 'bullmq';
import pino from 'pino';
import { ConfigModule, webhookSubscriptions } from '@app/config';
import { InfraModule, jobHandlerCheck, JobWorkerHost } from '@app/infra';
import {
  ALL_QUEUES,
  BALANCE_QUEUES,
  catalogueJobs,
  JOB,
  jobHandlerProblems,
  jobsOfQueue,
  OnJob,
  QUEUE_JOBS,
  SCHEDULE_QUEUE,
  WEBHOOK_QUEUE,
  webhookQueueName,
} from '@app/queue';
import { loadCredentials } from '@app/snap';
import { ProducerModule } from '../../apps/producer/src/producer.module';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

const silent = pino({ level: 'silent' });

/** Consumes the webhook queue but handles only one of its two job names. */
@Processor(WEBHOOK_QUEUE)
class AlertsOnlyProcessor extends JobWorkerHost {
  @OnJob(JOB.alertWebhook)
  async deliver(job: Job): Promise<string> {
    return String(job.id);
  }
}

/** A second processor of the schedule queue, handling the run tick again. */
@Processor(SCHEDULE_QUEUE)
class TickProcessor extends JobWorkerHost {
  @OnJob(JOB.scheduledRun)
  async tick(): Promise<void> {}

  @OnJob(JOB.retention)
  async retention(): Promise<void> {}
}
@Processor(SCHEDULE_QUEUE)
class SecondTickProcessor extends JobWorkerHost {
  @OnJob(JOB.scheduledRun)
  async tick(): Promise<void> {}
}

describe('the job catalogue', () => {
  it('names the jobs of every queue, each with its handlers checked at start-up', () => {
    expect(Object.keys(QUEUE_JOBS).sort()).toEqual([...ALL_QUEUES].sort());
    for (const queue of BALANCE_QUEUES) expect(QUEUE_JOBS[queue]).toEqual([JOB.balanceInquiry]);
    expect(new Set(Object.values(QUEUE_JOBS).flat())).toEqual(new Set(Object.values(JOB)));
  });

  it('gives each webhook subscriber’s delivery queue the alert job only, and knows no other name of that form', () => {
    const [one, two] = webhookSubscriptions({
      WEBHOOK_URL: 'https://hooks.example/a',
      WEBHOOK_EVENTS: '*',
      WEBHOOK_SUBSCRIPTIONS: 'run.stalled=https://hooks.example/b',
    });
    for (const { id } of [one, two])
      expect(catalogueJobs(webhookQueueName(id))).toEqual([JOB.alertWebhook]);
    expect(webhookQueueName(one.id)).not.toBe(webhookQueueName(two.id));
    expect(catalogueJobs('discrepancy-webhooks-anything')).toBeUndefined();
    expect(() => jobsOfQueue('discrepancy-webhooks-anything')).toThrow(
      'queue "discrepancy-webhooks-anything" is not in the job catalogue',
    );
  });

  it('reports a job without a handler, a job with two, and a queue it does not know', () => {
    expect(
      jobHandlerProblems([
        { queue: WEBHOOK_QUEUE, processor: AlertsOnlyProcessor },
        { queue: SCHEDULE_QUEUE, processor: TickProcessor },
        { queue: SCHEDULE_QUEUE, processor: SecondTickProcessor },
        { queue: 'no-such-queue', processor: SecondTickProcessor },
      ]),
    ).toEqual([
      'queue discrepancy-webhooks: job discrepancy-webhook has no handler',
      'queue reconciliation-schedule: job scheduled-run has 2 handlers (TickProcessor.tick, SecondTickProcessor.tick)',
      'queue no-such-queue is consumed but not in the job catalogue',
    ]);
  });
});

describe('the start-up check of job handlers', () => {
  const config = testConfig({ WORKER_SWEEP_INTERVAL_MS: '0', SCHEDULE_CRON: '' });
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const apps: INestApplicationContext[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(config);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  /** Builds an app context the way the apps do, failing instead of exiting the test process. */
  async function start(module: Parameters<typeof NestFactory.createApplicationContext>[0]) {
    const app = await NestFactory.createApplicationContext(module, {
      logger: false,
      abortOnError: false,
    });
    apps.push(app);
    return app;
  }

  it('passes the worker as main builds it: every queue it consumes, each job one handler', async () => {
    const worker = await start(WorkerModule.forRoot(config, silent, loadCredentials({})));
    const consumers = worker.get<{ queue: string }[]>(jobHandlerCheck.provide);
    expect(consumers.map((c) => c.queue).sort()).toEqual([...BALANCE_QUEUES, WEBHOOK_QUEUE].sort());
  });

  it('passes the worker with two webhook subscribers (one URL given twice): it consumes each one’s delivery queue too', async () => {
    const withHooks = {
      ...config,
      WEBHOOK_URL: 'https://hooks.example/finance',
      WEBHOOK_SUBSCRIPTIONS:
        'run.stalled,provider.unavailable=https://hooks.example/pager;run.stalled=https://hooks.example/finance',
      WEBHOOK_SECRET: 'job-catalogue-webhook-secret-0123456789',
    };
    const worker = await start(WorkerModule.forRoot(withHooks, silent, loadCredentials({})));
    const consumers = worker.get<{ queue: string }[]>(jobHandlerCheck.provide);
    const subscriberQueues = webhookSubscriptions(withHooks).map((s) => webhookQueueName(s.id));
    expect(subscriberQueues).toHaveLength(2);
    expect(consumers.map((c) => c.queue).sort()).toEqual(
      [...BALANCE_QUEUES, WEBHOOK_QUEUE, ...subscriberQueues].sort(),
    );
  });

  it('passes the producer as main builds it (the schedule queue)', async () => {
    const producer = await start(ProducerModule.forRoot(config, silent));
    const consumers = producer.get<{ queue: string }[]>(jobHandlerCheck.provide);
    expect(consumers.map((c) => c.queue)).toEqual([SCHEDULE_QUEUE]);
  });

  it('stops an app missing a handler, naming the queue and the job', async () => {
    @Module({
      imports: [ConfigModule.forRoot(config), InfraModule.forRoot(config, { logger: silent })],
      providers: [AlertsOnlyProcessor],
    })
    class MissingHandlerApp {}
    await expect(start(MissingHandlerApp)).rejects.toThrow(
      'job handlers do not match the job catalogue: queue discrepancy-webhooks: job discrepancy-webhook has no handler',
    );
  });

  it('stops an app with two handlers of one job, naming both', async () => {
    @Module({
      imports: [ConfigModule.forRoot(config), InfraModule.forRoot(config, { logger: silent })],
      providers: [TickProcessor, SecondTickProcessor],
    })
    class DoubledHandlerApp {}
    await expect(start(DoubledHandlerApp)).rejects.toThrow(
      'queue reconciliation-schedule: job scheduled-run has 2 handlers (TickProcessor.tick, SecondTickProcessor.tick)',
    );
  });
});
