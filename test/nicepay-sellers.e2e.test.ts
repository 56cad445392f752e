import type { INestApplication } from '@nestjs/common';
import { Readable } from 'node:stream';
import pino from 'pino';
import { importAccountsCsv } from '@app/ledger';
import { loadRunReport, reportToTable } from '@app/reconciliation';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { createProducerApp } from '../apps/producer/src/producer-app';
import { oneEntryAccount } from './support/one-entry-account';
import { apiCaller } from './support/api-caller';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const MERCHANT = 'IONPAYTEST';

/** A NICEPay account under {@link MERCHANT}: the merchant's own (no msId) or a seller's. */
function nicepay(
  msId: string | undefined,
  ledger: bigint,
  providerBalance: string,
): ScenarioAccount {
  const merchantId = msId ?? 'marketplace';
  return {
    ...oneEntryAccount({
      provider: 'nicepay',
      accountNo: MERCHANT,
      merchantId,
      ledger,
      simulated: { balance: providerBalance },
    }),
    // The same entry reference in each ledger: references are unique per account.
    ...(msId ? { msId } : {}),
  };
}

/**
 * NICEPay's balance inquiry: `accountNo` "Merchant identifier that is unique per each
 * Merchant", `additionalInfo.msId` "Merchant Seller ID". A marketplace on NICEPay holds its own
 * balance and its sellers' under one account number: each is reconciled against its own ledger,
 * and a break at one seller is reported for that seller, never for the merchant or a sibling.
 */
describe('NICEPay sellers under one merchant, each reconciled on its own (pipeline over HTTP)', () => {
  let pipeline: Pipeline;
  let api: INestApplication;
  let apiUrl: string;
  let runId: string;
  /** How often the simulator answered each account, after the first run: merchant, A, B. */
  let servedAfterFirstRun: number[];
  const served = () =>
    [undefined, 'SELLER-A', 'SELLER-B'].map(
      (msId) => pipeline.simulator.account('nicepay', MERCHANT, msId)!.served,
    );
  const scenario = [
    nicepay(undefined, 100_000n, '1000.00'), // the merchant: matched
    nicepay('SELLER-A', 25_000n, '250.00'), // matched
    nicepay('SELLER-B', 10_000n, '90.00'), // the provider holds 10.00 less: a real break
  ];
  const call = apiCaller(() => apiUrl);

  beforeAll(async () => {
    const config = testConfig();
    pipeline = await startPipeline(config, { scenario });
    api = await createProducerApp(config, pino({ level: 'silent' }));
    await api.listen(0, '127.0.0.1');
    apiUrl = (await api.getUrl()).replace('[::1]', '127.0.0.1');
    const started = await call('POST', '/runs', {});
    expect(started.status).toBe(202);
    runId = (await pipeline.waitForRun(String(started.body.runId))).id;
    servedAfterFirstRun = served();
  }, 90_000);
  afterAll(async () => {
    await api?.close();
    await pipeline?.close();
  });

  it('reports three results under one account number, each with its seller and its own verdict', async () => {
    const report = (await call('GET', `/runs/${runId}/report`)).body;
    const results = (report.results as Record<string, unknown>[])
      .map((r) => [r.accountNo, r.msId, r.status, r.providerBalance, r.ledgerBalance, r.difference])
      .sort((a, b) => String(a[1] ?? '').localeCompare(String(b[1] ?? '')));
    expect(results).toEqual([
      [MERCHANT, null, 'matched', '1000.00', '1000.00', '0.00'],
      [MERCHANT, 'SELLER-A', 'matched', '250.00', '250.00', '0.00'],
      [MERCHANT, 'SELLER-B', 'mismatched', '90.00', '100.00', '-10.00'],
    ]);
  });

  it('the results CSV names the seller in its msId column', async () => {
    const csv = (await call('GET', `/runs/${runId}/results.csv`)).text.trim().split('\n');
    const header = csv[0].split(',');
    expect(header.slice(0, 5)).toEqual(['merchantId', 'provider', 'accountNo', 'msId', 'status']);
    const rows = csv.slice(1).map((line) => line.split(',').slice(2, 5));
    expect(rows.sort()).toEqual(
      [
        [MERCHANT, '', 'matched'],
        [MERCHANT, 'SELLER-A', 'matched'],
        [MERCHANT, 'SELLER-B', 'mismatched'],
      ].sort(),
    );
  });

  it('opens one discrepancy, for the broken seller only', async () => {
    const items = (await call('GET', '/discrepancies')).body.items as Record<string, unknown>[];
    expect(items.map((d) => [d.accountNo, d.msId, d.lastDifference])).toEqual([
      [MERCHANT, 'SELLER-B', '-10.00'],
    ]);
  });

  it('the account history is per seller: ?msId= picks the seller, none the merchant, an unknown seller is 404', async () => {
    const seller = (await call('GET', `/accounts/nicepay/${MERCHANT}/history?msId=SELLER-B`)).body;
    expect(seller.account).toMatchObject({
      accountNo: MERCHANT,
      msId: 'SELLER-B',
      merchantId: 'SELLER-B',
    });
    expect((seller.items as Record<string, unknown>[]).map((i) => i.status)).toEqual([
      'mismatched',
    ]);
    const own = (await call('GET', `/accounts/nicepay/${MERCHANT}/history`)).body;
    expect(own.account).toMatchObject({ msId: null, merchantId: 'marketplace' });
    expect((own.items as Record<string, unknown>[]).map((i) => i.status)).toEqual(['matched']);
    const unknown = await call('GET', `/accounts/nicepay/${MERCHANT}/history?msId=SELLER-Z`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain(`nicepay/${MERCHANT}/SELLER-Z`);
  });

  it("the account page names the seller and links the seller's JSON and audit export", async () => {
    const page = await call('GET', `/ui/accounts/nicepay/${MERCHANT}?msId=SELLER-B`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('seller <b>SELLER-B</b>');
    expect(page.text).toContain(`/accounts/nicepay/${MERCHANT}/history?msId=SELLER-B`);
    expect(page.text).toMatch(
      /\/audit\/export\.csv\?provider=nicepay&amp;accountNo=IONPAYTEST&amp;msId=SELLER-B/,
    );
  });

  it("the overview and the discrepancies page link the broken seller's own page", async () => {
    const link = `href="/ui/accounts/nicepay/${MERCHANT}?msId=SELLER-B"`;
    const overview = await call('GET', `/?run=${runId}`);
    expect(overview.text).toContain(`data-account="nicepay/${MERCHANT}/SELLER-B"`);
    expect(overview.text).toContain(`${link}>${MERCHANT} seller SELLER-B</a>`);
    const discrepancies = await call('GET', '/ui/discrepancies');
    expect(discrepancies.text).toContain(`${link}>nicepay ${MERCHANT} seller SELLER-B</a>`);
  });

  it("the CLI's table tells the seller's row from the merchant's", async () => {
    const table = reportToTable((await loadRunReport(pipeline.db.dataSource, runId))!, {
      all: true,
    });
    expect(table).toMatch(new RegExp(`nicepay +${MERCHANT}/SELLER-B +mismatched`));
    expect(table).toMatch(new RegExp(`nicepay +${MERCHANT} +matched`));
  });

  it("acknowledging the seller's discrepancy is audited on the seller's account, not the merchant's", async () => {
    const [open] = (await call('GET', '/discrepancies')).body.items as { id: string }[];
    const ack = await call('POST', `/discrepancies/${open.id}/acknowledge`, {
      note: 'asked NICEPay about SELLER-B',
    });
    expect(ack.status).toBe(200);
    const audit = (query: string) =>
      call('GET', `/audit?provider=nicepay&accountNo=${MERCHANT}${query}`).then(
        (r) => r.body.items as Record<string, unknown>[],
      );
    expect((await audit('&msId=SELLER-B')).map((r) => [r.action, r.accountNo, r.msId])).toEqual([
      ['discrepancy.acknowledge', MERCHANT, 'SELLER-B'],
    ]);
    expect(await audit('')).toEqual([]);
    expect(await audit('&msId=SELLER-A')).toEqual([]);
    const alone = await call('GET', '/audit?msId=SELLER-B');
    expect(alone.status).toBe(400);
    expect(alone.body.errors).toEqual([
      expect.objectContaining({ field: 'msId', value: JSON.stringify('SELLER-B') }),
    ]);
  });

  it('POST /runs re-checks exactly the seller asked for; an unknown seller is a 400 naming it', async () => {
    const before = served();
    // Named twice: reconciled, and audited, once.
    const sellerA = { provider: 'nicepay', accountNo: MERCHANT, msId: 'SELLER-A' };
    const one = await call('POST', '/runs', { accounts: [sellerA, sellerA] });
    expect(one.status).toBe(202);
    expect(one.body.accountCount).toBe(1);
    const started = (await call('GET', `/audit?subjectType=run&subjectId=${one.body.runId}`)).body
      .items as { action: string; after: { accountIds: string[] } }[];
    expect(started.map((r) => [r.action, r.after.accountIds.length])).toEqual([['run.start', 1]]);
    const rerun = await pipeline.waitForRun(String(one.body.runId));
    const results = (await call('GET', `/runs/${rerun.id}/report`)).body.results as Record<
      string,
      unknown
    >[];
    expect(results.map((r) => [r.msId, r.status])).toEqual([['SELLER-A', 'matched']]);
    expect(served()).toEqual([before[0], before[1] + 1, before[2]]);

    const bad = await call('POST', '/runs', {
      accounts: [{ provider: 'nicepay', accountNo: MERCHANT, msId: 'SELLER-Z' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      {
        field: 'accounts[0]',
        value: JSON.stringify({ provider: 'nicepay', accountNo: MERCHANT, msId: 'SELLER-Z' }),
        reason: 'is not a known account',
      },
    ]);
    const malformed = await call('POST', '/runs', {
      accounts: [{ provider: 'nicepay', accountNo: MERCHANT, msId: 'seller/b' }],
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([
      expect.objectContaining({ field: 'accounts.0.msId', value: JSON.stringify('seller/b') }),
    ]); // A result's key as the API gives it (msId null: the merchant's own) can be posted back
    // (a tester's 400: "Expected string, received null").
    const own = await call('POST', '/runs', {
      accounts: [{ provider: 'nicepay', accountNo: MERCHANT, msId: null }],
    });
    expect(own.status).toBe(202);
    const ownRun = await pipeline.waitForRun(String(own.body.runId));
    const ownResults = (await call('GET', `/runs/${ownRun.id}/report`)).body.results as Record<
      string,
      unknown
    >[];
    expect(ownResults.map((r) => [r.msId, r.status])).toEqual([[null, 'matched']]);
  });

  it('a merchant key whose account number has only sellers is told the sellers, on POST /runs and the history', async () => {
    await importAccountsCsv(
      pipeline.db.dataSource,
      Readable.from([
        'merchant_id,merchant_name,provider,account_no,currency,ms_id\n',
        'only-1,Only 1,nicepay,ONLYSELL,IDR,S-1\n',
        'only-2,Only 2,nicepay,ONLYSELL,IDR,S-2\n',
      ]),
    );
    const run = await call('POST', '/runs', {
      accounts: [{ provider: 'nicepay', accountNo: 'ONLYSELL' }],
    });
    expect(run.status).toBe(400);
    expect(run.body.errors).toEqual([
      {
        field: 'accounts[0]',
        value: JSON.stringify({ provider: 'nicepay', accountNo: 'ONLYSELL' }),
        reason:
          'is not a known account; account number ONLYSELL has sellers S-1, S-2: name one in msId',
      },
    ]);
    const history = await call('GET', '/accounts/nicepay/ONLYSELL/history');
    expect(history.status).toBe(404);
    expect(history.body.detail).toBe(
      'account nicepay/ONLYSELL not found; account number ONLYSELL has sellers S-1, S-2: name one in msId',
    );
  });

  it("the provider answered each seller's balance for that seller (the simulator keys by accountNo and msId)", () => {
    // SELLER-B's break was looked at twice: every difference is checked again before it is one.
    expect(servedAfterFirstRun).toEqual([1, 1, 2]);
  });
});
