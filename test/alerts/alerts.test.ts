import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_LOGGER, Logger, PROVIDER_QUEUES } from '@app/infra';
import { AlertPublisher, RunsService, signWebhook } from '@app/reconciliation';
import { formatAmount, ProviderName } from '@app/snap';
import type { ScenarioAccount } from '../../apps/cli/src/demo/demo-scenario';
import { ALERT_BODIES } from '../../apps/producer/src/openapi/alert-schemas';
import { onBreakerChange } from '../../apps/worker/src/breaker-events';
import { RunSweeper } from '../../apps/worker/src/run-sweeper';
import { BASIC_AUTH, startProducerHttp } from '../reports/http';
import { startPipeline, Pipeline } from '../support/pipeline';
import { testConfig } from '../support/test-config';

const WEBHOOK_SECRET = 'alerts-webhook-secret-of-32-chars-or-more';
/** The path carries a token, as Slack's and Teams' do: it must never reach a log line. */
const ONCALL_PATH = '/hooks/T000-oncall-token-xyz';
const FINANCE_PATH = '/hooks/finance-token-abc';

function account(n: number, provider: ProviderName, providerBalance: bigint): ScenarioAccount {
  const accountNo = `${provider.toUpperCase()}AL${n}`;
  return {
    merchantId: `AL${n}`,
    merchantName: `Alerts ${n}`,
    provider,
    accountNo,
    credentialSet: provider === 'finnet' ? accountNo : null,
    ledger: [
      { entryRef: `AL${n}-1`, amount: 500_000n, postedAt: new Date(Date.now() - 7_200_000) },
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
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, unknown>;
}

/**
 * The alert webhooks end to end (simulator, worker, Postgres, Redis, a real HTTP receiver):
 * each event reaches the URLs subscribed to it and no other, signed, with a delivery id that
 * stays the same across a retry; the producer's alerting gauges and the worker's provider
 * gauge; no log line carries a webhook URL's path.
 */
describe('alerts', () => {
  const deliveries: Delivery[] = [];
  let failNext = 0;
  let receiver: Server;
  let pipeline: Pipeline;
  let api: INestApplication;
  let apiUrl: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const delivery = { path: req.url!, headers: req.headers, body, json: JSON.parse(body) };
        if (failNext > 0) {
          failNext--;
          deliveries.push({ ...delivery, path: `${req.url} (refused)` });
          res.writeHead(503).end();
          return;
        }
        deliveries.push(delivery);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const config = testConfig({
      WEBHOOK_URL: base + ONCALL_PATH,
      WEBHOOK_SECRET,
      WEBHOOK_SUBSCRIPTIONS: `discrepancy.opened, discrepancy.resolved=${base}${FINANCE_PATH}`,
      RUN_DEADLINE_SECONDS: '3600',
      WORKER_SWEEP_INTERVAL_MS: '0',
      JOB_BACKOFF_MS: '100',
    });
    pipeline = await startPipeline(config, {
      scenario: [account(1, 'nicepay', 512_345n), account(2, 'netzme', 500_000n)],
    });
    ({ app: api, url: apiUrl } = await startProducerHttp(config));
  }, 60_000);
  afterAll(async () => {
    await api.close();
    await pipeline.close();
    await new Promise((r) => receiver.close(r));
  });

  const waitFor = async (what: () => boolean, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(what()).toBe(true);
  };
  const received = (event: string, path = ONCALL_PATH) =>
    deliveries.filter((d) => d.path === path && d.json.event === event);
  const run = async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    return (await pipeline.waitForRun(runId)).id;
  };

  it('sends run.finished with the counts to the on-call URL only, and discrepancy.opened to both, signed, retried with the same delivery id', async () => {
    failNext = 1; // the first delivery is refused: its retry must carry the same id
    const runId = await run();
    await waitFor(() => received('run.finished').length === 1);
    await waitFor(() => received('discrepancy.opened', FINANCE_PATH).length === 1);
    await waitFor(() => received('discrepancy.opened').length === 1);
    const [finished] = received('run.finished');
    expect(finished.json).toMatchObject({
      event: 'run.finished',
      deliveryId: `run.finished-${runId}`,
      run: {
        id: runId,
        status: 'finished',
        accountCount: 2,
        counts: { matched: 1, mismatched: 1 },
      },
    });
    for (const d of deliveries.filter((x) => !x.path.endsWith('(refused)'))) {
      const timestamp = d.headers['x-snap-recon-timestamp'] as string;
      expect(d.headers['x-snap-recon-signature']).toBe(
        signWebhook(WEBHOOK_SECRET, timestamp, d.body),
      );
      expect(d.headers['x-snap-recon-delivery']).toBe(d.json.deliveryId);
      expect(d.headers['x-snap-recon-event']).toBe(d.json.event);
    }
    const refused = deliveries.find((d) => d.path.endsWith('(refused)'))!;
    const retried = deliveries.filter(
      (d) => d.headers['x-snap-recon-delivery'] === refused.headers['x-snap-recon-delivery'],
    );
    expect(retried.length).toBe(2);
    expect(retried[1].body).toBe(refused.body);
    // The refused attempt is logged, naming the delivery and the attempt (a tester saw a
    // receiver down for five attempts without a line).
    const lines = pipeline.logs.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => String(l.msg).startsWith('webhook delivery failed: '));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        deliveryId: refused.headers['x-snap-recon-delivery'],
        attempt: 1,
        msg: expect.stringMatching(/answered HTTP 5\d\d for /),
      }),
    ]);
    // The finance URL subscribed to discrepancies only.
    expect(deliveries.filter((d) => d.path === FINANCE_PATH).map((d) => d.json.event)).toEqual([
      'discrepancy.opened',
    ]);
  });

  it('sends discrepancy.resolved naming the person who resolved it, then one with no person when the account matches again', async () => {
    const list = await fetch(`${apiUrl}/discrepancies`, { headers: BASIC_AUTH });
    const [open] = ((await list.json()) as { items: { id: string }[] }).items;
    const res = await fetch(`${apiUrl}/discrepancies/${open.id}/resolve`, {
      method: 'POST',
      headers: { ...BASIC_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'fee booked late' }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => received('discrepancy.resolved', FINANCE_PATH).length === 1);
    expect(received('discrepancy.resolved', FINANCE_PATH)[0].json).toMatchObject({
      deliveryId: `discrepancy.resolved-${open.id}`,
      discrepancy: { id: open.id, status: 'resolved' },
      resolvedBy: { name: 'admin', role: 'admin' },
    });
    // The break shows again (a new discrepancy), then the account matches: closed by the run.
    await run();
    await waitFor(() => received('discrepancy.opened', FINANCE_PATH).length === 2);
    pipeline.simulator.patchAccount('nicepay', 'NICEPAYAL1', { balance: '5000.00' });
    const runId = await run();
    await waitFor(() => received('discrepancy.resolved', FINANCE_PATH).length === 2);
    expect(received('discrepancy.resolved', FINANCE_PATH)[1].json).toMatchObject({
      discrepancy: { status: 'resolved', note: `matched again in run ${runId}` },
      resolvedBy: null,
    });
    expect(received('discrepancy.resolved')).toHaveLength(2); // on-call takes every event
  });

  it('sends run.finished for a run whose worker died between finishing it and queueing its alerts, once; a run announced already is not sent again', async () => {
    const db = pipeline.db.dataSource;
    // Finished in Postgres two minutes ago, its alerts never queued (announced_at null).
    const [{ id }] = await db.query(
      `INSERT INTO reconciliation_runs (trigger, status, started_at, finished_at, account_count, summary)
       VALUES ('api', 'finished', now() - interval '3 minutes', now() - interval '2 minutes', 0,
               '{"counts":{},"byProvider":{},"totalAbsDifference":"0","largestAbsDifference":"0"}')
       RETURNING id`,
    );
    const finishedBefore = received('run.finished').length;
    const sweeper = pipeline.worker!.get(RunSweeper);
    await sweeper.sweep();
    await sweeper.sweep();
    await waitFor(() => received('run.finished').length === finishedBefore + 1);
    await new Promise((r) => setTimeout(r, 300));
    const late = received('run.finished').slice(finishedBefore);
    expect(late.map((d) => d.json.deliveryId)).toEqual([`run.finished-${id}`]);
    const [{ announced_at }] = await db.query(
      `SELECT announced_at FROM reconciliation_runs WHERE id = $1`,
      [id],
    );
    expect(announced_at).toBeInstanceOf(Date);
  });

  it('sends run.stalled once for a run past RUN_DEADLINE_SECONDS', async () => {
    const db = pipeline.db.dataSource;
    const [{ id }] = await db.query(
      `INSERT INTO reconciliation_runs (trigger, status, started_at, account_count) VALUES ('api', 'running', now() - interval '61 minutes', 5) RETURNING id`,
    );
    await db.query(
      `INSERT INTO reconciliation_runs (trigger, status, started_at, account_count) VALUES ('api', 'running', now() - interval '59 minutes', 5)`,
    );
    const sweeper = pipeline.worker!.get(RunSweeper);
    await sweeper.sweep();
    await sweeper.sweep();
    await waitFor(() => received('run.stalled').length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(received('run.stalled')).toHaveLength(1);
    expect(received('run.stalled')[0].json).toMatchObject({
      deliveryId: `run.stalled-${id}`,
      deadlineSeconds: 3600,
      run: { id: String(id), status: 'running' },
    });
  });

  it('exports the alerting gauges on the producer’s /metrics', async () => {
    const text = await (await fetch(`${apiUrl}/metrics`, { headers: BASIC_AUTH })).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    const lastFinished = value('recon_last_finished_run_timestamp_seconds');
    expect(Math.abs(Date.now() / 1000 - lastFinished)).toBeLessThan(300);
    expect(value('recon_oldest_running_run_age_seconds')).toBeGreaterThan(60 * 60);
    expect(text).toMatch(/^recon_open_discrepancies\{age="lt_1h"[^}]*\} 0$/m);
    expect(text).toMatch(/^recon_open_discrepancies\{age="gt_7d"[^}]*\} 0$/m);
    await pipeline.db.dataSource.query(
      `UPDATE discrepancies SET status = 'open', resolved_at = NULL, opened_at = now() - interval '2 days' WHERE id = (SELECT min(id) FROM discrepancies)`,
    );
    const after = await (await fetch(`${apiUrl}/metrics`, { headers: BASIC_AUTH })).text();
    expect(after).toMatch(/^recon_open_discrepancies\{age="1d_7d"[^}]*\} 1$/m);
    const oldest = Number(/^recon_oldest_open_discrepancy_age_seconds\S* (\S+)$/m.exec(after)?.[1]);
    expect(oldest).toBeGreaterThan(2 * 86400 - 60);
  });

  it('publishes provider.unavailable / provider.recovered when the circuit breaker opens and closes', async () => {
    const worker = pipeline.worker!;
    const deps = {
      logger: worker.get<Logger>(APP_LOGGER),
      alerts: worker.get(AlertPublisher),
      queues: worker.get<Record<ProviderName, Queue>>(PROVIDER_QUEUES),
    };
    const since = new Date(Date.now() - 60_000);
    onBreakerChange(
      {
        provider: 'nicepay',
        state: 'open',
        since,
        reason: '5 of the last 10 calls failed',
        lastSuccessAt: null,
      },
      deps,
    );
    onBreakerChange(
      { provider: 'nicepay', state: 'closed', since, reason: null, lastSuccessAt: new Date() },
      deps,
    );
    await waitFor(() => received('provider.recovered').length === 1);
    expect(received('provider.unavailable')[0].json).toMatchObject({
      provider: 'nicepay',
      reason: '5 of the last 10 calls failed',
    });
    expect(
      deliveries.filter(
        (d) => d.path === FINANCE_PATH && String(d.json.event).startsWith('provider'),
      ),
    ).toEqual([]);
    expect(pipeline.producer.get(AlertPublisher).wants('provider.unavailable')).toBe(true);
  });

  it('never logs a webhook URL’s path (the token in it)', () => {
    const all = pipeline.logs.lines.join('\n');
    expect(all).not.toContain('oncall-token');
    expect(all).not.toContain('finance-token');
  });

  it('sends bodies that match the webhook schemas of the OpenAPI document', () => {
    expect(new Set(deliveries.map((d) => d.json.event)).size).toBe(6);
    for (const d of deliveries) {
      const schema = ALERT_BODIES[d.json.event as keyof typeof ALERT_BODIES];
      const parsed = schema.safeParse(d.json);
      expect({ event: d.json.event, issues: parsed.success ? [] : parsed.error.issues }).toEqual({
        event: d.json.event,
        issues: [],
      });
    }
  });
});
