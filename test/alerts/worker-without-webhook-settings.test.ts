import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Job, Queue } from 'bullmq';
import { AppConfig, webhookSubscriptions } from '@app/config';
import { createRedisConnection, queuePrefix } from '@app/infra';
import { JOB, WEBHOOK_QUEUE, webhookQueueName } from '@app/queue';
import { AlertPublisher, RunsService, undeliveredDiscrepancies } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import type { ScenarioAccount } from '../../apps/cli/src/demo/demo-scenario';
import { startPipeline, Pipeline } from '../support/pipeline';
import { testConfig } from '../support/test-config';

const WEBHOOK_SECRET = 'worker-settings-webhook-secret-32-chars-plus';
/** The path carries a token, as Slack's does: it must never reach a log line or a job. */
const HOOK_PATH = '/hooks/T999-worker-settings-token-qrs';

/** One NICEPay account whose provider balance differs from the ledger: a run opens a discrepancy. */
const mismatched: ScenarioAccount = {
  merchantId: 'WS1',
  merchantName: 'Worker settings 1',
  provider: 'nicepay',
  accountNo: 'NICEPAYWS1',
  credentialSet: null,
  ledger: [{ entryRef: 'WS1-1', amount: 500_000n, postedAt: new Date(Date.now() - 7_200_000) }],
  simulated: { balance: formatAmount(512_345n) },
  kind: 'real-break',
  expected: { status: 'mismatched', difference: 12_345n, attempts: 1 },
};

/**
 * A producer with WEBHOOK_URL / WEBHOOK_SECRET beside a worker without them (real Postgres,
 * Redis, simulator and an HTTP receiver): the producer's `discrepancy.opened` job must not
 * complete as if delivered. On the subscriber's own queue, which this worker does not work, it
 * waits unattempted, and the worker's start-up warning names the subscriber id (never the URL
 * or the secret); on the queue all subscribers shared before, it fails and is retried with a
 * warning. The discrepancy stays unannounced, and a worker started with the settings delivers
 * that same job.
 */
describe('alerts: a worker without the producer’s webhook settings', () => {
  const deliveries: string[] = [];
  let receiver: Server;
  let pipeline: Pipeline;
  let producerConfig: AppConfig;
  let workerConfig: AppConfig;
  /** The queue all subscribers shared before. */
  let webhooks: Queue;
  /** The subscriber's own delivery queue. */
  let ownQueue: Queue;
  let connection: ReturnType<typeof createRedisConnection>;
  let subscriber: string;
  let job: Job;
  let shared: Job;
  let legacy: Job;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        deliveries.push(req.url!);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    producerConfig = testConfig({
      WEBHOOK_URL: base + HOOK_PATH,
      WEBHOOK_SECRET,
      WORKER_SWEEP_INTERVAL_MS: '0',
    });
    // The same deployment (schema, queue prefix, Redis) with no WEBHOOK_* at all.
    workerConfig = { ...producerConfig, WEBHOOK_URL: undefined, WEBHOOK_SECRET: undefined };
    expect(webhookSubscriptions(workerConfig)).toEqual([]);
    subscriber = webhookSubscriptions(producerConfig)[0].id;
    pipeline = await startPipeline(producerConfig, { scenario: [mismatched], startWorker: false });
    connection = createRedisConnection(producerConfig, 'test');
    webhooks = new Queue(WEBHOOK_QUEUE, { connection, prefix: queuePrefix(producerConfig) });
    ownQueue = new Queue(webhookQueueName(subscriber), {
      connection,
      prefix: queuePrefix(producerConfig),
    });
  }, 60_000);
  afterAll(async () => {
    await pipeline.close();
    for (const queue of [webhooks, ownQueue]) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
    await connection.quit();
    await new Promise((r) => receiver.close(r));
  });

  const waitFor = async (what: () => Promise<boolean> | boolean, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!(await what()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await what()).toBe(true);
  };
  /** The worker's start-up warning about subscribers it has no settings for, logged after line `before`. */
  const startupWarning = async (before: number) => {
    const warning = () =>
      pipeline.logs.lines
        .slice(before)
        .map((l) => JSON.parse(l))
        .find((l) =>
          String(l.msg).startsWith('webhook subscribers this worker has no WEBHOOK_* settings for'),
        );
    await waitFor(() => warning() !== undefined);
    return warning();
  };
  const notifiedAt = async (id: string): Promise<Date | null> => {
    const [row] = await pipeline.db.dataSource.query(
      `SELECT notified_at FROM discrepancies WHERE id = $1`,
      [id],
    );
    return row.notified_at;
  };

  it('leaves the job on the subscriber’s queue waiting, unattempted (not completed), warns at start naming the subscriber id, and leaves the discrepancy unannounced', async () => {
    // A run under the worker without settings opens the discrepancy (and announces nothing).
    await pipeline.startWorker(workerConfig);
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    expect((await pipeline.waitForRun(runId)).status).toBe('finished');
    await pipeline.stopWorker();
    const [discrepancyId] = await undeliveredDiscrepancies(pipeline.db.dataSource);
    expect(discrepancyId).toBeDefined();

    // The producer (with the settings) queues the alert, as it does for undelivered ones at start.
    await pipeline.producer.get(AlertPublisher).discrepanciesOpened([discrepancyId]);
    const [queued] = await ownQueue.getJobs(['waiting']);
    expect(queued.data).toMatchObject({ event: 'discrepancy.opened', subscriber, discrepancyId });

    const before = pipeline.logs.lines.length;
    await pipeline.startWorker(workerConfig);
    // At start: a subscriber's queue holds a job for a subscriber this worker does not know.
    const startup = await startupWarning(before);
    expect(startup).toMatchObject({
      level: 40,
      subscribers: [subscriber],
      queues: [webhookQueueName(subscriber)],
      jobs: 1,
    });
    expect(startup.msg).toContain('same WEBHOOK_URL, WEBHOOK_SUBSCRIPTIONS and WEBHOOK_SECRET');
    expect(startup.msg).toContain('nor announce the runs it finishes to them');
    // A second of the worker running: the job is neither taken nor completed.
    await new Promise((r) => setTimeout(r, 1_000));
    job = (await ownQueue.getJob(queued.id!))!;
    expect(await job.getState()).toBe('waiting');
    expect(job.attemptsMade).toBe(0);
    expect(job.returnvalue).toBeNull();
    expect(deliveries).toEqual([]);
    expect(await notifiedAt(discrepancyId)).toBeNull();
  });

  it('fails (retried, not completed) a job for that subscriber on the queue all shared before, warning naming the subscriber id', async () => {
    const before = pipeline.logs.lines.length;
    const added = await webhooks.add(JOB.alertWebhook, job.data, {
      jobId: 'shared-before',
      attempts: 3,
      backoff: { type: 'fixed', delay: 60_000 },
    });
    await waitFor(async () => ((await webhooks.getJob(added.id!))?.attemptsMade ?? 0) >= 1);
    shared = (await webhooks.getJob(added.id!))!;
    expect(await shared.getState()).toBe('delayed'); // waiting for its retry, not completed
    expect(shared.returnvalue).toBeNull();
    expect(shared.failedReason).toBe(
      `webhook subscriber ${subscriber} unknown to this worker: it has no WEBHOOK_URL or WEBHOOK_SUBSCRIPTIONS entry for it; give the worker the same WEBHOOK_* settings as the producer (retried)`,
    );
    expect(deliveries).toEqual([]);
    const warning = pipeline.logs.lines
      .slice(before)
      .map((l) => JSON.parse(l))
      .find((l) => String(l.msg).startsWith('webhook not delivered'));
    expect(warning).toMatchObject({
      level: 40,
      queue: WEBHOOK_QUEUE,
      subscriber,
      event: 'discrepancy.opened',
      jobId: 'shared-before',
      attempt: 1,
    });
    expect(warning.msg).toContain('same WEBHOOK_* settings as the producer');
  });

  it('fails (retried, not completed) a job from before alerts existed, which it could only drop', async () => {
    const discrepancyId = job.data.discrepancyId as string;
    legacy = await webhooks.add(
      JOB.discrepancyWebhook,
      { discrepancyId },
      { attempts: 3, backoff: { type: 'fixed', delay: 60_000 } },
    );
    await waitFor(async () => ((await webhooks.getJob(legacy.id!))?.attemptsMade ?? 0) >= 1);
    legacy = (await webhooks.getJob(legacy.id!))!;
    expect(await legacy.getState()).toBe('delayed');
    expect(legacy.returnvalue).toBeNull();
    expect(legacy.failedReason).toBe(
      `discrepancy ${discrepancyId}: this worker has no WEBHOOK_URL or WEBHOOK_SUBSCRIPTIONS entry for discrepancy.opened; give the worker the same WEBHOOK_* settings as the producer (retried)`,
    );
  });

  it('a worker started with the producer’s settings delivers that same job and marks the discrepancy announced', async () => {
    await pipeline.stopWorker();
    await pipeline.startWorker(producerConfig);
    await waitFor(async () => (await ownQueue.getJob(job.id!))?.finishedOn !== undefined);
    const done = (await ownQueue.getJob(job.id!))!;
    expect(await done.getState()).toBe('completed');
    expect(done.returnvalue).toEqual({ status: 204 });
    expect(deliveries).toEqual([HOOK_PATH]);
    expect(await notifiedAt(done.data.discrepancyId)).not.toBeNull();
    // The same delivery left on the queue all shared before is sent too (its id is another
    // job's): a receiver tells the two apart by the delivery id, the same in both.
    await shared.promote();
    await waitFor(async () => (await webhooks.getJob(shared.id!))?.finishedOn !== undefined);
    expect((await webhooks.getJob(shared.id!))!.returnvalue).toEqual({ status: 204 });
    expect(deliveries).toEqual([HOOK_PATH, HOOK_PATH]);

    // The old job now publishes the alert again: the same delivery, already made.
    await legacy.promote();
    await waitFor(async () => (await webhooks.getJob(legacy.id!))?.finishedOn !== undefined);
    expect((await webhooks.getJob(legacy.id!))!.returnvalue).toEqual({
      republished: `discrepancy ${done.data.discrepancyId}`,
    });
    expect(deliveries).toEqual([HOOK_PATH, HOOK_PATH]);
  });

  it('a worker without the settings warns at start even with nothing queued: the runs it finishes are announced to no subscriber', async () => {
    await pipeline.stopWorker();
    const before = pipeline.logs.lines.length;
    await pipeline.startWorker(workerConfig);
    const startup = await startupWarning(before);
    expect(startup).toMatchObject({ level: 40, subscribers: [subscriber], queues: [], jobs: 0 });
  });

  it('never puts the webhook secret or the URL’s path in a log line, an error or job data', async () => {
    const jobs = [
      ...(await webhooks.getJobs(['completed', 'failed', 'delayed', 'waiting'])),
      ...(await ownQueue.getJobs(['completed', 'failed', 'delayed', 'waiting'])),
    ];
    const texts = [
      ...pipeline.logs.lines,
      ...jobs.map((j) => JSON.stringify({ data: j.data, reason: j.failedReason })),
      shared.failedReason,
    ];
    for (const text of texts) {
      expect(text).not.toContain(WEBHOOK_SECRET);
      expect(text).not.toContain('T999-worker-settings-token-qrs');
    }
  });
});
