import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { WEBHOOK_QUEUES } from '@app/infra';
import { accountKeyText } from '@app/ledger';
import {
  AlertPublisher,
  errorResult,
  finalizeRun,
  resultsRepository,
  RunsService,
  runsRepository,
  signWebhook,
} from '@app/reconciliation';
import { formatAmount, ProviderName } from '@app/snap';
import type { ScenarioAccount } from '../../apps/cli/src/demo/demo-scenario';
import { ALERT_BODIES } from '../../apps/producer/src/openapi/alert-schemas';
import { RunSweeper } from '../../apps/worker/src/run-sweeper';
import { BASIC_AUTH, startProducerHttp } from '../reports/http';
import { startPipeline, Pipeline } from '../support/pipeline';
import { testConfig } from '../support/test-config';

const WEBHOOK_SECRET = 'reopened-webhook-secret-of-32-chars-or-more';

/** Ledger 5,000.00; the provider says `providerBalance` (minor units). */
function account(n: number, provider: ProviderName, providerBalance: bigint): ScenarioAccount {
  const accountNo = `${provider.toUpperCase()}RO${n}`;
  return {
    merchantId: `RO${n}`,
    merchantName: `Reopened ${n}`,
    provider,
    accountNo,
    credentialSet: provider === 'finnet' ? accountNo : null,
    ledger: [
      { entryRef: `RO${n}-1`, amount: 500_000n, postedAt: new Date(Date.now() - 7_200_000) },
    ],
    simulated: {
      balance: formatAmount(providerBalance),
      ...(provider === 'netzme' ? { status: 'approved_v2' } : {}),
    },
    kind: 'matched',
    expected: { status: 'matched', difference: 0n, attempts: 1 },
  };
}

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, unknown> & { discrepancy?: Record<string, unknown> };
}

/**
 * An acknowledged discrepancy whose difference then moves by more than RECON_TOLERANCE from
 * the one acknowledged goes back to `open` and is announced as `discrepancy.reopened`, once,
 * through the path `discrepancy.opened` takes (the run's announcement, the run sweep's late
 * announcement, the producer's start-up re-queue); within the tolerance it stays acknowledged,
 * quietly; an open discrepancy keeps counting occurrences as before.
 */
describe('an acknowledged discrepancy whose difference moves (RECON_TOLERANCE 50.00)', () => {
  const deliveries: Delivery[] = [];
  let receiver: Server;
  let pipeline: Pipeline;
  let api: INestApplication;
  let apiUrl: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body, json: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const config = testConfig({
      WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      WEBHOOK_SECRET,
      RECON_TOLERANCE: '50.00',
      RUN_DEADLINE_SECONDS: '3600',
      WORKER_SWEEP_INTERVAL_MS: '0',
      JOB_BACKOFF_MS: '100',
    });
    pipeline = await startPipeline(config, {
      // Each 100.00 short and 200.00 over the ledger's 5,000.00.
      scenario: [account(1, 'nicepay', 490_000n), account(2, 'netzme', 520_000n)],
    });
    ({ app: api, url: apiUrl } = await startProducerHttp(config));
  }, 60_000);
  afterAll(async () => {
    await api.close();
    await pipeline.close();
    await new Promise((r) => receiver.close(r));
  });

  const waitFor = async (what: () => boolean | Promise<boolean>, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!(await what()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await what()).toBe(true);
  };
  const received = (event: string) => deliveries.filter((d) => d.json.event === event);
  /** The one subscriber's delivery queue. */
  const webhookQueue = () =>
    [
      ...pipeline.producer
        .get<ReadonlyMap<string, Queue>>(WEBHOOK_QUEUES, { strict: false })
        .values(),
    ][0];
  /** Every queued alert delivered (or failed): nothing more is on its way. */
  const alertsSettled = async () => {
    const counts = await webhookQueue().getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  };
  /** A run, finished, its alerts queued (announced_at) and delivered. */
  const run = async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    await pipeline.waitForRun(runId);
    await waitFor(
      async () =>
        (
          await pipeline.db.dataSource.query(
            `SELECT 1 FROM reconciliation_runs WHERE id = $1 AND announced_at IS NOT NULL`,
            [runId],
          )
        ).length === 1 && (await alertsSettled()),
    );
    return runId;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { ...BASIC_AUTH, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const discrepancyOf = async (accountNo: string) =>
    ((await call('GET', '/discrepancies')).body.items as Record<string, unknown>[]).find(
      (d) => d.accountNo === accountNo,
    )!;
  const reopenNotifiedAt = async (id: unknown) =>
    (
      await pipeline.db.dataSource.query(
        `SELECT reopen_notified_at FROM discrepancies WHERE id = $1`,
        [id],
      )
    )[0].reopen_notified_at as Date | null;
  let acknowledgedId: string;

  it('stays acknowledged, with no alert, while the difference is within the tolerance of the one acknowledged', async () => {
    await run();
    expect(received('discrepancy.opened')).toHaveLength(2);
    acknowledgedId = (await discrepancyOf('NICEPAYRO1')).id as string;
    const acknowledged = await call('POST', `/discrepancies/${acknowledgedId}/acknowledge`, {
      note: 'asked NICEPay ops',
    });
    expect(acknowledged).toMatchObject({
      status: 200,
      body: { status: 'acknowledged', acknowledgedDifference: '-100.00' },
    });
    pipeline.simulator.patchAccount('nicepay', 'NICEPAYRO1', { balance: '4870.00' }); // 30.00 more
    await run();
    expect(await discrepancyOf('NICEPAYRO1')).toMatchObject({
      status: 'acknowledged',
      occurrences: 2,
      lastDifference: '-130.00',
      acknowledgedDifference: '-100.00',
      note: 'asked NICEPay ops',
    });
    expect(received('discrepancy.reopened')).toEqual([]);
  });

  it('goes back to open beyond it, with a note, announced once as discrepancy.reopened; the open one beside it only counts', async () => {
    pipeline.simulator.patchAccount('nicepay', 'NICEPAYRO1', { balance: '2500.00' });
    pipeline.simulator.patchAccount('netzme', 'NETZMERO2', { balance: '9000.00' });
    const runId = await run();
    const reopened = {
      id: acknowledgedId,
      status: 'open',
      occurrences: 3,
      lastDifference: '-2500.00',
      acknowledgedAt: null,
      acknowledgedDifference: '-100.00',
      note: `asked NICEPay ops\ndifference changed from -100.00 to -2500.00 in run ${runId}; reopened`,
    };
    expect(await discrepancyOf('NICEPAYRO1')).toMatchObject(reopened);
    expect(await discrepancyOf('NETZMERO2')).toMatchObject({
      status: 'open',
      occurrences: 3,
      lastDifference: '4000.00',
      acknowledgedDifference: null,
      note: null,
    });
    const [delivery, ...more] = received('discrepancy.reopened');
    expect(more).toEqual([]);
    expect(delivery.json).toMatchObject({
      event: 'discrepancy.reopened',
      deliveryId: `discrepancy.reopened-${acknowledgedId}-run-${runId}`,
      runId,
      discrepancy: reopened,
    });
    const timestamp = delivery.headers['x-snap-recon-timestamp'] as string;
    expect(delivery.headers['x-snap-recon-signature']).toBe(
      signWebhook(WEBHOOK_SECRET, timestamp, delivery.body),
    );
    expect(delivery.headers['x-snap-recon-event']).toBe('discrepancy.reopened');
    expect(delivery.headers['x-snap-recon-delivery']).toBe(delivery.json.deliveryId);
    const parsed = ALERT_BODIES['discrepancy.reopened'].safeParse(delivery.json);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    // Neither is announced as a new discrepancy.
    expect(received('discrepancy.opened')).toHaveLength(2);
    await waitFor(async () => (await reopenNotifiedAt(acknowledgedId)) !== null);
  });

  it('sends nothing more when the run is finalized and announced again (a retry, the run sweep, a producer start)', async () => {
    const [{ id: runId }] = await pipeline.db.dataSource.query(
      `SELECT max(id)::text AS id FROM reconciliation_runs`,
    );
    const worker = pipeline.worker!;
    expect(await finalizeRun(pipeline.db.dataSource, runId, pipeline.config.RECON_TOLERANCE)).toBe(
      null,
    );
    await worker.get(AlertPublisher).runFinished(runId);
    await worker.get(AlertPublisher).runFinished(runId);
    await worker.get(RunSweeper).sweep();
    const producer = await startProducerHttp(pipeline.config);
    await producer.app.close();
    await waitFor(alertsSettled);
    expect(received('discrepancy.reopened')).toHaveLength(1);
    expect(String((await discrepancyOf('NICEPAYRO1')).note).match(/reopened/g)).toHaveLength(1);
  });

  it('is announced by the run sweep when the worker that finished the run died before queueing its alerts', async () => {
    await call('POST', `/discrepancies/${acknowledgedId}/acknowledge`, { note: 'dispute filed' });
    // A run finished in Postgres two minutes ago, its alerts never queued.
    const ds = pipeline.db.dataSource;
    const accountId = pipeline.accountIds.get(
      accountKeyText({ provider: 'nicepay', accountNo: 'NICEPAYRO1' }),
    )!;
    const { runId } = (await runsRepository.create(ds, 'api', { accountIds: [accountId] }, null))!;
    await resultsRepository.upsertBatch(ds, [
      {
        ...errorResult({ runId, accountId, attempts: 1 }),
        status: 'mismatched',
        final: true,
        providerBalance: 100_000n,
        ledgerBalance: 500_000n,
        difference: -400_000n,
        currency: 'IDR',
        asOf: new Date(),
        providerTime: new Date(),
      },
    ]);
    expect(await finalizeRun(ds, runId, pipeline.config.RECON_TOLERANCE)).not.toBeNull();
    await ds.query(
      `UPDATE reconciliation_runs SET finished_at = now() - interval '2 minutes' WHERE id = $1`,
      [runId],
    );
    const sweeper = pipeline.worker!.get(RunSweeper);
    await sweeper.sweep();
    await sweeper.sweep();
    await waitFor(
      async () => (await alertsSettled()) && received('discrepancy.reopened').length >= 2,
    );
    const late = received('discrepancy.reopened').slice(1);
    expect(late.map((d) => [d.json.deliveryId, d.json.discrepancy!.note])).toEqual([
      [
        `discrepancy.reopened-${acknowledgedId}-run-${runId}`,
        expect.stringMatching(
          new RegExp(
            `\\ndispute filed\\ndifference changed from -2500\\.00 to -4000\\.00 in run ${runId}; reopened$`,
          ),
        ),
      ],
    ]);
    await waitFor(async () => (await reopenNotifiedAt(acknowledgedId)) !== null);
  });

  it('is sent again by a producer starting when its delivery was lost (Redis lost the job before it was delivered)', async () => {
    const queue = webhookQueue();
    const [last] = received('discrepancy.reopened').slice(-1);
    for (const job of await queue.getJobs(['completed']))
      if (job.data.deliveryId === last.json.deliveryId) await job.remove();
    await pipeline.db.dataSource.query(
      `UPDATE discrepancies SET reopen_notified_at = NULL WHERE id = $1`,
      [acknowledgedId],
    );
    const producer = await startProducerHttp(pipeline.config);
    try {
      await waitFor(() => received('discrepancy.reopened').length === 3);
    } finally {
      await producer.app.close();
    }
    expect(received('discrepancy.reopened')[2].json.deliveryId).toBe(last.json.deliveryId);
    await waitFor(async () => (await reopenNotifiedAt(acknowledgedId)) !== null);
  });
});
