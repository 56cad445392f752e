import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import pino from 'pino';
import { RunsService, signWebhook } from '@app/reconciliation';
import { formatAmount, ProviderName } from '@app/snap';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { createProducerApp } from '../apps/producer/src/producer-app';
import { apiCaller, DEV_AUTHORIZATION } from './support/api-caller';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const WEBHOOK_SECRET = 'webhook-secret-for-tests-42';

function account(n: number, provider: ProviderName, providerBalance: bigint): ScenarioAccount {
  const accountNo = `${provider.toUpperCase()}D${n}`;
  return {
    merchantId: `D${n}`,
    merchantName: `Discrepancy ${n}`,
    provider,
    accountNo,
    credentialSet: provider === 'finnet' ? accountNo : null,
    ledger: [{ entryRef: `D${n}-1`, amount: 500_000n, postedAt: new Date(Date.now() - 7_200_000) }],
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
}

describe('discrepancies across three runs, with a signed webhook', () => {
  const deliveries: Delivery[] = [];
  let refusedFirst = false;
  let receiver: Server;
  let pipeline: Pipeline;
  let api: INestApplication;
  let apiUrl: string;
  const scenario = [
    account(1, 'nicepay', 512_345n),
    account(2, 'netzme', 499_000n),
    account(3, 'finnet', 500_000n),
  ];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (!refusedFirst) {
          refusedFirst = true; // the first delivery fails: the worker must retry it
          res.writeHead(500).end();
          return;
        }
        deliveries.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const config = testConfig({
      WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      WEBHOOK_SECRET,
      WEBHOOK_EVENTS: 'discrepancy.opened', // the other events: test/alerts/alerts.test.ts
    });
    pipeline = await startPipeline(config, { scenario });
    api = await createProducerApp(config, pino({ level: 'silent' }));
    await api.listen(0, '127.0.0.1');
    apiUrl = (await api.getUrl()).replace('[::1]', '127.0.0.1');
  }, 60_000);
  afterAll(async () => {
    await api.close();
    await pipeline.close();
    await new Promise((r) => receiver.close(r));
  });

  const call = apiCaller(() => apiUrl);
  const run = async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    return (await pipeline.waitForRun(runId)).id;
  };
  const waitForDeliveries = async (n: number) => {
    const deadline = Date.now() + 15_000;
    while (deliveries.length < n && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
  };
  const active = async () =>
    (await call('GET', '/discrepancies')).body.items as Record<string, unknown>[];

  it('opens one discrepancy per mismatched account and delivers each once, signed, after a retry', async () => {
    const runId = await run();
    await waitForDeliveries(2);
    const items = (await active()).sort((a, b) =>
      String(a.accountNo).localeCompare(String(b.accountNo)),
    );
    expect(
      items.map((d) => [d.accountNo, d.status, d.occurrences, d.lastDifference, d.openedRunId]),
    ).toEqual([
      ['NETZMED2', 'open', 1, '-10.00', runId],
      ['NICEPAYD1', 'open', 1, '123.45', runId],
    ]);
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) {
      const timestamp = d.headers['x-snap-recon-timestamp'] as string;
      expect(d.headers['x-snap-recon-signature']).toBe(
        signWebhook(WEBHOOK_SECRET, timestamp, d.body),
      );
      expect(JSON.parse(d.body).event).toBe('discrepancy.opened');
    }
    expect(deliveries.map((d) => JSON.parse(d.body).discrepancy.accountNo).sort()).toEqual([
      'NETZMED2',
      'NICEPAYD1',
    ]);
  });

  it('keeps a persisting mismatch as one discrepancy with an occurrence count, and closes one that matches again', async () => {
    pipeline.simulator.patchAccount('netzme', 'NETZMED2', { balance: '5000.00' });
    await run();
    const items = await active();
    expect(items.map((d) => [d.accountNo, d.status, d.occurrences])).toEqual([
      ['NICEPAYD1', 'open', 2],
    ]);
    const resolved = (await call('GET', '/discrepancies?status=resolved')).body.items as Record<
      string,
      unknown
    >[];
    expect(resolved.map((d) => [d.accountNo, d.note])).toEqual([
      ['NETZMED2', expect.stringMatching(/^matched again in run \d+$/)],
    ]);
    await new Promise((r) => setTimeout(r, 500));
    expect(deliveries).toHaveLength(2);
  });

  it('lets a person acknowledge, then resolve with a note, through the API', async () => {
    const [open] = await active();
    expect((await call('POST', `/discrepancies/${open.id}/acknowledge`, {})).status).toBe(400);
    const acknowledged = await call('POST', `/discrepancies/${open.id}/acknowledge`, {
      note: 'asked NICEPay ops',
    });
    expect(acknowledged).toMatchObject({
      status: 200,
      body: { status: 'acknowledged', note: 'asked NICEPay ops' },
    });
    await run();
    expect((await call('GET', `/discrepancies/${open.id}`)).body).toMatchObject({
      status: 'acknowledged',
      occurrences: 3,
    });
    const resolved = await call('POST', `/discrepancies/${open.id}/resolve`, {
      note: 'fee booked late; ledger fixed',
    });
    expect(resolved).toMatchObject({
      status: 200,
      body: { status: 'resolved', note: 'asked NICEPay ops\nfee booked late; ledger fixed' },
    });
    expect(
      (await call('POST', `/discrepancies/${open.id}/acknowledge`, { note: 'again' })).status,
    ).toBe(409);
    expect((await call('GET', '/discrepancies/999999')).status).toBe(404);
    expect((await call('GET', '/discrepancies/..%2Fetc')).status).toBe(400);
    // A bad id on a route that changes a discrepancy: the same 400 as everywhere, nothing changed.
    const badId = await call('POST', '/discrepancies/abc/acknowledge', { note: 'x' });
    expect(badId.status).toBe(400);
    expect(badId.body).toMatchObject({
      detail: 'invalid path parameters',
      errors: [
        { field: 'id', value: '"abc"', reason: 'must be a discrepancy id (1 to 18 digits)' },
      ],
    });
    expect(await active()).toEqual([]);
    expect(deliveries).toHaveLength(2);
  });

  it('opens a new discrepancy when a resolved break shows again, and acknowledges from the page', async () => {
    pipeline.simulator.patchAccount('finnet', 'FINNETD3', { balance: '4999.99' });
    await run();
    const items = (await active()).sort((a, b) =>
      String(a.accountNo).localeCompare(String(b.accountNo)),
    );
    expect(items.map((d) => [d.accountNo, d.status, d.occurrences])).toEqual([
      ['FINNETD3', 'open', 1],
      ['NICEPAYD1', 'open', 1],
    ]);
    expect(items[1].id).not.toBe('1'); // the resolved one stays resolved; this is a new alarm
    const fresh = items[0];
    const page = await fetch(`${apiUrl}/ui/discrepancies`, {
      headers: { authorization: DEV_AUTHORIZATION },
    });
    const html = await page.text();
    expect(html).toContain(`data-discrepancy="${fresh.id}"`);
    // The form's CSRF token and its cookie, as a browser would send them back.
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1];
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    const posted = await fetch(`${apiUrl}/ui/discrepancies/${fresh.id}/acknowledge`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        authorization: DEV_AUTHORIZATION,
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `note=on+it&_csrf=${encodeURIComponent(token)}`,
    });
    expect(posted.status).toBe(303);
    expect((await call('GET', `/discrepancies/${fresh.id}`)).body).toMatchObject({
      status: 'acknowledged',
      note: 'on it',
    });
    await waitForDeliveries(4);
    expect(deliveries).toHaveLength(4);
  });
});
