import { createServer, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { AppConfig, webhookSubscriptions } from '@app/config';
import { createRedisConnection, queuePrefix } from '@app/infra';
import { WEBHOOK_QUEUE, webhookQueueName } from '@app/queue';
import { AlertPublisher } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import type { ScenarioAccount } from '../../apps/cli/src/demo/demo-scenario';
import { startPipeline, Pipeline } from '../support/pipeline';
import { testConfig } from '../support/test-config';

const WEBHOOK_SECRET = 'slow-receiver-webhook-secret-of-32-chars';
const TIMEOUT_MS = 1_000;
/** Answers 200 at once, then trickles its body a byte every 2 s (128 KiB: days). */
const TRICKLE_PATH = '/hooks/trickle-token-123';
/** Takes the request and never answers. */
const HANG_PATH = '/hooks/hang-token-456';
const OK_PATH = '/hooks/ok-token-789';

const account: ScenarioAccount = {
  merchantId: 'SR1',
  merchantName: 'Slow receiver 1',
  provider: 'nicepay',
  accountNo: 'NICEPAYSR1',
  credentialSet: null,
  ledger: [{ entryRef: 'SR1-1', amount: 500_000n, postedAt: new Date(Date.now() - 7_200_000) }],
  simulated: { balance: formatAmount(500_000n) },
  kind: 'matched',
  expected: { status: 'matched', difference: 0n, attempts: 1 },
};

/**
 * Slow webhook receivers over real HTTP (real worker, Redis, Postgres): one delivery attempt has
 * one deadline, WEBHOOK_TIMEOUT_MS, from connecting to the answer's status. A receiver that
 * answers 200 then trickles its body used to hold the delivery (undici's body timeout is per
 * chunk) and with four of them every alert of every subscriber waited, and the worker's stop
 * waited for good. Each subscriber has a delivery queue of its own, so a receiver that never
 * answers holds up only its own alerts.
 */
describe('alerts: slow webhook receivers', () => {
  const requests: { path: string; at: number }[] = [];
  const trickling = new Set<ServerResponse>();
  const held = new Set<ServerResponse>();
  let receiver: Server;
  let pipeline: Pipeline;
  let config: AppConfig;
  let webhooks: Queue;
  /** Each subscriber's delivery queue, by subscriber id. */
  let queues: Map<string, Queue>;
  let connection: ReturnType<typeof createRedisConnection>;
  let base: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests.push({ path: req.url!, at: Date.now() });
        if (req.url === TRICKLE_PATH) {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('x');
          trickling.add(res);
          const timer = setInterval(() => res.write('x'), 2_000);
          res.on('close', () => {
            clearInterval(timer);
            trickling.delete(res);
          });
        } else if (req.url === HANG_PATH) {
          held.add(res);
          res.on('close', () => held.delete(res));
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // The worker knows every subscriber; each test publishes with the settings it needs.
    config = testConfig({
      WEBHOOK_URL: base + TRICKLE_PATH,
      WEBHOOK_EVENTS: 'provider.unavailable,provider.recovered',
      WEBHOOK_SUBSCRIPTIONS: `provider.recovered=${base}${OK_PATH};provider.unavailable=${base}${HANG_PATH}`,
      WEBHOOK_SECRET,
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WORKER_SWEEP_INTERVAL_MS: '0',
    });
    pipeline = await startPipeline(config, { scenario: [account] });
    connection = createRedisConnection(config, 'test');
    webhooks = new Queue(WEBHOOK_QUEUE, { connection, prefix: queuePrefix(config) });
    queues = new Map(
      webhookSubscriptions(config).map((s) => [
        s.id,
        new Queue(webhookQueueName(s.id), { connection, prefix: queuePrefix(config) }),
      ]),
    );
  }, 60_000);
  afterAll(async () => {
    // Whatever happened, the receiver lets go so the worker can stop.
    receiver.closeAllConnections();
    await pipeline.close();
    for (const queue of [webhooks, ...queues.values()]) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
    await connection.quit();
    await new Promise((r) => receiver.close(r));
  });

  /** Publishes as a producer whose settings have only `settings`' subscribers. */
  const publisher = (
    settings: Partial<Pick<AppConfig, 'WEBHOOK_URL' | 'WEBHOOK_EVENTS' | 'WEBHOOK_SUBSCRIPTIONS'>>,
  ) =>
    new AlertPublisher(
      pipeline.db.dataSource,
      { ...config, ...settings },
      webhooks,
      queues,
      connection,
    );
  const subscriberOf = (path: string) =>
    webhookSubscriptions(config).find((s) => s.url === base + path)!.id;
  const queueOf = (path: string) => queues.get(subscriberOf(path))!;
  const waitFor = async (what: () => Promise<boolean> | boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!(await what()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return what();
  };
  const arrived = (path: string) => requests.filter((r) => r.path === path);

  it('a receiver trickling its body after a 200 does not hold its delivery (body unread, connection closed), and a healthy subscriber gets its event at once', async () => {
    const slow = publisher({ WEBHOOK_SUBSCRIPTIONS: `provider.recovered=${base}${OK_PATH}` });
    // Four deliveries to the trickling receiver, as many as the queue's concurrency: before,
    // they held every slot for days, and the healthy subscriber's event waited behind them.
    for (let minute = 1; minute <= 4; minute++)
      await slow.providerAvailability(
        'netzme',
        false,
        'down',
        new Date(Date.UTC(2026, 0, 1, 0, minute)),
      );
    expect(await waitFor(() => arrived(TRICKLE_PATH).length === 4, 5_000)).toBe(true);
    const published = Date.now();
    await slow.providerAvailability('netzme', true, 'up', new Date(Date.UTC(2026, 0, 1, 0, 5)));
    expect(await waitFor(() => arrived(OK_PATH).length === 1, 3 * TIMEOUT_MS)).toBe(true);
    expect(arrived(OK_PATH)[0].at - published).toBeLessThan(TIMEOUT_MS);

    // Each trickling delivery ended at its status, delivered; none read the body to its end.
    const trickleJobs = () =>
      queueOf(TRICKLE_PATH).getJobs(['completed', 'active', 'waiting', 'delayed', 'failed']);
    expect(
      await waitFor(
        async () =>
          (await Promise.all((await trickleJobs()).map((j) => j.getState()))).every(
            (s) => s === 'completed',
          ),
        TIMEOUT_MS,
      ),
    ).toBe(true);
    expect((await trickleJobs()).map((j) => j.returnvalue)).toEqual(Array(5).fill({ status: 200 }));
    expect(await waitFor(() => trickling.size === 0, TIMEOUT_MS)).toBe(true);
  });

  it('a receiver that never answers fails the attempt at WEBHOOK_TIMEOUT_MS, retried like a refused delivery', async () => {
    const hang = publisher({
      WEBHOOK_URL: undefined,
      WEBHOOK_SUBSCRIPTIONS: `provider.unavailable=${base}${HANG_PATH}`,
    });
    await hang.providerAvailability('finnet', false, 'down', new Date(Date.UTC(2026, 0, 2)));
    const [job] = await queueOf(HANG_PATH).getJobs(['waiting', 'active']);
    expect(job.data.subscriber).toBe(subscriberOf(HANG_PATH));
    expect(await waitFor(() => arrived(HANG_PATH).length === 1, 5_000)).toBe(true);
    const sent = arrived(HANG_PATH)[0].at;
    const failed = async () => ((await queueOf(HANG_PATH).getJob(job.id!))?.attemptsMade ?? 0) >= 1;
    expect(await waitFor(failed, 3 * TIMEOUT_MS)).toBe(true);
    expect(Date.now() - sent).toBeLessThan(2 * TIMEOUT_MS);
    const after = (await queueOf(HANG_PATH).getJob(job.id!))!;
    expect(after.failedReason).toBe(
      `webhook ${base}/… did not answer within WEBHOOK_TIMEOUT_MS (${TIMEOUT_MS} ms) for ${job.data.deliveryId}`,
    );
    // The retry path: the same delivery is sent again.
    expect(await waitFor(() => arrived(HANG_PATH).length >= 2, 4 * TIMEOUT_MS)).toBe(true);
    await job.remove().catch(() => undefined); // an active job is refused; its attempts end anyway
  });

  it('a backlog to a receiver that never answers does not delay another subscriber: its alert arrives within a timeout, not after the backlog', async () => {
    const silent = publisher({
      WEBHOOK_URL: undefined,
      WEBHOOK_SUBSCRIPTIONS: `provider.unavailable=${base}${HANG_PATH}`,
    });
    const hangs = arrived(HANG_PATH).length;
    // Twelve alerts to the silent receiver: three rounds of the four deliveries in flight. On
    // one queue shared by every subscriber, an alert published after them waited three
    // timeouts (3.0 s measured at a 1 s timeout).
    for (let minute = 1; minute <= 12; minute++)
      await silent.providerAvailability(
        'finnet',
        false,
        'down',
        new Date(Date.UTC(2026, 0, 4, 0, minute)),
      );
    expect(await waitFor(() => arrived(HANG_PATH).length >= hangs + 4, 5_000)).toBe(true);
    const healthy = publisher({
      WEBHOOK_URL: undefined,
      WEBHOOK_SUBSCRIPTIONS: `provider.recovered=${base}${OK_PATH}`,
    });
    const oks = arrived(OK_PATH).length;
    const published = Date.now();
    await healthy.providerAvailability('finnet', true, 'up', new Date(Date.UTC(2026, 0, 4, 1)));
    expect(await waitFor(() => arrived(OK_PATH).length > oks, 3 * TIMEOUT_MS)).toBe(true);
    expect(arrived(OK_PATH)[oks].at - published).toBeLessThan(TIMEOUT_MS);
    // The silent receiver's backlog is still there, in its own queue.
    const backlog = await queueOf(HANG_PATH).getJobCounts('waiting', 'active');
    expect(backlog.waiting + backlog.active).toBeGreaterThan(4);
    await queueOf(HANG_PATH).drain(true);
  });

  it('the worker stops promptly with deliveries to a trickling and a silent receiver in flight', async () => {
    const both = publisher({
      WEBHOOK_EVENTS: 'provider.unavailable',
      WEBHOOK_SUBSCRIPTIONS: `provider.unavailable=${base}${HANG_PATH}`,
    });
    const trickles = arrived(TRICKLE_PATH).length;
    const hangs = arrived(HANG_PATH).length;
    await both.providerAvailability('nicepay', false, 'down', new Date(Date.UTC(2026, 0, 3)));
    expect(
      await waitFor(
        () => arrived(TRICKLE_PATH).length > trickles && arrived(HANG_PATH).length > hangs,
        5_000,
      ),
    ).toBe(true);
    expect(held.size).toBeGreaterThan(0);
    const started = Date.now();
    const stopped = await Promise.race([
      pipeline.stopWorker().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 5 * TIMEOUT_MS)),
    ]);
    expect(stopped).toBe(true);
    // The deadline, and seconds to spare for a loaded machine (it used to wait for good).
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3_000);
    expect(pipeline.logs.lines.join('\n')).not.toMatch(/token-(123|456|789)/);
  });
});
