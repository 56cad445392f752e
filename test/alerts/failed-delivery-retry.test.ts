import { Job, Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import pino from 'pino';
import { createProducerApp } from '../../apps/producer/src/producer-app';
import { queuePrefix } from '@app/infra';
import { webhookSubscriptions } from '@app/config';
import { JOB, WEBHOOK_QUEUE, webhookQueueName } from '@app/queue';
import { ALERT_RETRY_MAX_AGE_MS, AlertPublisher } from '@app/reconciliation';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

/**
 * An alert's job id is its delivery id, so publishing the same event twice adds nothing. A
 * delivery that failed for good (its retries spent) is kept for JOB_KEEP_FAILED_SECONDS: a
 * second publish (the producer's start-up re-queue of unannounced discrepancies) must retry it
 * rather than find the id taken and do nothing; a delivered one stays delivered.
 */
describe('publishing an alert again retries a delivery that failed for good', () => {
  const config = testConfig({
    WEBHOOK_URL: 'http://127.0.0.1:9/hooks/retry-test',
    WEBHOOK_SECRET: 'failed-delivery-retry-secret-0123456789',
  });
  const connection = new IORedis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = queuePrefix(config);
  const subscriber = webhookSubscriptions(config)[0].id;
  // The subscriber's own queue, where alerts go, and the queue all shared before.
  const queue = new Queue(webhookQueueName(subscriber), { connection, prefix });
  const shared = new Queue(WEBHOOK_QUEUE, { connection, prefix });
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let publisher: AlertPublisher;
  const newPublisher = () =>
    new AlertPublisher(db.dataSource, config, shared, new Map([[subscriber, queue]]), connection);

  beforeAll(async () => {
    db = await createTestDatabase(config);
    publisher = newPublisher();
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await shared.obliterate({ force: true });
    await queue.close();
    await shared.close();
    connection.disconnect();
    await db.drop();
    // The producer app started here made its queues and schedules under the prefix too.
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  /** Runs `outcome` on every job of `job`'s queue until `job` reaches `state`. */
  async function settle(job: Job, outcome: (job: Job) => Promise<void>, state: string) {
    const worker = new Worker(job.queueName, outcome, {
      connection: new IORedis(config.REDIS_URL, { maxRetriesPerRequest: null }),
      prefix,
    });
    try {
      for (let i = 0; i < 100 && (await job.getState()) !== state; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await job.getState()).toBe(state);
    } finally {
      await worker.close();
      await worker.disconnect();
    }
  }

  const all = () => queue.getJobs(['waiting', 'failed', 'completed', 'delayed', 'active']);
  const only = async () => {
    const jobs = await all();
    expect(jobs).toHaveLength(1);
    return jobs[0];
  };
  const failForGood = async (j: Job) => {
    j.discard(); // its retries spent at once
    throw new Error('receiver answered 500');
  };

  it('a failed delivery is retried (back to waiting, attempts reset); a delivered one stays delivered', async () => {
    const down = new Date('2026-12-02T10:00:00Z');
    await publisher.providerAvailability('netzme', false, 'answers 503', down);
    const job = await only();
    await settle(job, failForGood, 'failed');
    await publisher.providerAvailability('netzme', false, 'answers 503', down);
    expect(await job.getState()).toBe('waiting');
    expect((await Job.fromId(queue, job.id!))!.attemptsMade).toBe(0);

    await settle(job, async () => undefined, 'completed');
    await publisher.providerAvailability('netzme', false, 'answers 503', down);
    expect(await job.getState()).toBe('completed');
    expect(await queue.getJobCounts('waiting', 'failed', 'completed')).toMatchObject({
      waiting: 0,
      failed: 0,
      completed: 1,
    });
  });

  it('the producer, at start, retries every delivery that failed for good (events nothing publishes again), attempts reset, on the queue all shared before too', async () => {
    await queue.obliterate({ force: true });
    // On the queue all subscribers shared before: one for a subscriber these settings no
    // longer have (it stays failed), and one for this subscriber (retried).
    const removed = await shared.add(JOB.alertWebhook, {
      event: 'provider.unavailable',
      deliveryId: 'provider.unavailable-finnet-0',
      subscriber: 'removed1',
      body: '{}',
    });
    const before = await shared.add(JOB.alertWebhook, {
      event: 'provider.unavailable',
      deliveryId: 'provider.unavailable-finnet-1',
      subscriber,
      body: '{}',
    });
    await settle(removed, failForGood, 'failed');
    await settle(before, failForGood, 'failed');
    // Two events nothing re-publishes (a provider's change, at two instants) fail for good;
    // a third is delivered.
    const at = (minute: number) => new Date(Date.UTC(2026, 11, 2, 11, minute));
    for (const minute of [1, 2, 3])
      await publisher.providerAvailability('finnet', false, 'down', at(minute));
    const [first, second, third] = (await all()).sort((a, b) => a.id!.localeCompare(b.id!));
    await settle(third, async (j) => (j.id === third.id ? undefined : failForGood(j)), 'completed');
    for (const j of [first, second, removed, before]) expect(await j.getState()).toBe('failed');

    const app = await createProducerApp(config, pino({ level: 'silent' }));
    try {
      await app.init();
      for (const j of [first, second, before]) {
        expect(await j.getState()).toBe('waiting');
        expect(
          (await Job.fromId(j.queueName === WEBHOOK_QUEUE ? shared : queue, j.id!))!.attemptsMade,
        ).toBe(0);
      }
      expect(await third.getState()).toBe('completed');
      expect(await removed.getState()).toBe('failed');
    } finally {
      await app.close();
    }
  });

  it('a delivery first queued over a day ago stays failed at start (stale news; a retry would restart its retention for good)', async () => {
    await queue.obliterate({ force: true });
    const down = new Date('2026-12-02T12:00:00Z');
    await publisher.providerAvailability('nicepay', false, 'down', down);
    const fresh = await only();
    await settle(fresh, failForGood, 'failed');
    const old = await queue.add(
      JOB.alertWebhook,
      {
        event: 'provider.unavailable',
        deliveryId: 'provider.unavailable-nicepay-old',
        subscriber: fresh.data.subscriber,
        body: '{}',
      },
      { jobId: 'old-delivery', timestamp: Date.now() - ALERT_RETRY_MAX_AGE_MS - 60_000 },
    );
    await settle(old, failForGood, 'failed');
    expect(await publisher.retryFailedDeliveries()).toBe(1);
    expect(await fresh.getState()).toBe('waiting');
    expect(await old.getState()).toBe('failed');
  });

  it('two producers starting at once retry each failed delivery once between them, neither failing (BullMQ refuses the second retry)', async () => {
    await queue.obliterate({ force: true });
    const at = (minute: number) => new Date(Date.UTC(2026, 11, 2, 13, minute));
    for (const minute of [1, 2, 3, 4, 5, 6])
      await publisher.providerAvailability('finnet', false, 'down', at(minute));
    const jobs = await all();
    const worker = new Worker(queue.name, failForGood, {
      connection: new IORedis(config.REDIS_URL, { maxRetriesPerRequest: null }),
      prefix,
    });
    try {
      for (let i = 0; i < 100 && (await queue.getFailedCount()) < jobs.length; i++)
        await new Promise((r) => setTimeout(r, 50));
    } finally {
      await worker.close();
      await worker.disconnect();
    }
    expect(await queue.getFailedCount()).toBe(jobs.length);
    const other = newPublisher();
    const counts = await Promise.all([
      publisher.retryFailedDeliveries(),
      other.retryFailedDeliveries(),
    ]);
    expect(counts[0] + counts[1]).toBe(jobs.length);
    expect(await queue.getFailedCount()).toBe(0);
  });

  it('publishing again (the start-up re-queue path), from two producers at once: the failed delivery is retried once, neither fails', async () => {
    await queue.obliterate({ force: true });
    const down = new Date('2026-12-02T14:00:00Z');
    await publisher.providerAvailability('netzme', false, 'down', down);
    const job = await only();
    await settle(job, failForGood, 'failed');
    const other = newPublisher();
    await Promise.all([
      publisher.providerAvailability('netzme', false, 'down', down),
      other.providerAvailability('netzme', false, 'down', down),
    ]);
    expect(await job.getState()).toBe('waiting');
  });

  it('publishing again a delivery queued on the shared queue before the upgrade: that job is retried (failed) or left (pending), none added to the subscriber’s queue', async () => {
    await queue.obliterate({ force: true });
    await shared.obliterate({ force: true });
    const down = new Date('2026-12-02T16:00:00Z');
    // The delivery as an older producer queued it: on the shared queue, job id = delivery id.
    await publisher.providerAvailability('nicepay', false, 'down', down);
    const own = await only();
    const old = await shared.add(JOB.alertWebhook, own.data, { jobId: own.id! });
    await own.remove();
    await publisher.providerAvailability('nicepay', false, 'down', down);
    expect(await all()).toHaveLength(0);
    expect(await old.getState()).toBe('waiting');

    await settle(old, failForGood, 'failed');
    await publisher.providerAvailability('nicepay', false, 'down', down);
    expect(await old.getState()).toBe('waiting');
    expect((await Job.fromId(shared, old.id!))!.attemptsMade).toBe(0);
    expect(await all()).toHaveLength(0);
  });

  it('publishing again does not retry a delivery first queued over a day ago', async () => {
    await queue.obliterate({ force: true });
    const down = new Date('2026-12-02T15:00:00Z');
    await publisher.providerAvailability('netzme', false, 'down', down);
    const fresh = await only();
    const id = fresh.id!;
    const data = fresh.data;
    await fresh.remove();
    // The same delivery, as if first queued 25 hours ago, failed for good since.
    const old = await queue.add(JOB.alertWebhook, data, {
      jobId: id,
      timestamp: Date.now() - ALERT_RETRY_MAX_AGE_MS - 3_600_000,
    });
    await settle(old, failForGood, 'failed');
    await publisher.providerAvailability('netzme', false, 'down', down);
    expect(await old.getState()).toBe('failed');
  });
});
