import type { INestApplication } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import {
  AttributionJson,
  loadDiscrepancy,
  DiscrepancyView,
  loadRunReport,
  reportToTable,
  RunsService,
} from '@app/reconciliation';
import { BASIC_AUTH, startProducerHttp } from './reports/http';
import { FORMULA_STARTS } from './support/formula-cells';
import { deleteRedisKeys } from './support/redis-cleanup';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

/**
 * Issue 15, acceptance: every break kind explained from Netzme's history-list, pipeline over
 * HTTP against the simulator (which serves the history from the same scenario that sets the
 * balance). Netzme pages are 10 events here and the cap 3 pages, so paging is exercised.
 */
const OPEN = 1_000_000n; // 10,000.00 opening balance on both sides
const now = Date.now();
const ago = (s: number) => new Date(now - s * 1000);

type Ev = Record<string, unknown> & { agoSeconds: number };
type Entry = { entryRef: string; amount: bigint; postedAt: Date; providerRef?: string | null };

function account(accountNo: string, events: Ev[], ledger: Entry[]): ScenarioAccount {
  return {
    merchantId: `M-${accountNo}`,
    merchantName: `Merchant ${accountNo}`,
    provider: 'netzme',
    accountNo,
    credentialSet: null,
    ledger: [{ entryRef: `${accountNo}-open`, amount: OPEN, postedAt: ago(72 * 3600) }, ...ledger],
    simulated: { status: 'approved_v2', history: { opening: '10000.00', events } },
    kind: 'real-break',
    expected: { status: 'mismatched', difference: null, attempts: 1 },
  };
}
/** A ledger entry booked 5 s after the provider's event, without the provider's id. */
const booked = (ref: string, amount: bigint, agoSeconds: number): Entry => ({
  entryRef: ref,
  amount,
  postedAt: ago(agoSeconds - 5),
});
const credits = (n: number, startAgo: number): Ev[] =>
  Array.from({ length: n }, (_, i) => ({
    amount: '1.00',
    side: 'cr',
    agoSeconds: startAgo - i * 60,
  }));

describe('attribution: breaks explained from the provider history (pipeline over HTTP)', () => {
  let pipeline: Pipeline;
  let runId: string;
  let app: INestApplication | undefined;
  let url: string;
  const get = (path: string) => fetch(url + path, { headers: BASIC_AUTH });

  beforeAll(async () => {
    pipeline = await startPipeline(
      testConfig({
        SNAP_NETZME_PROFILE: JSON.stringify({ history: { pageSize: 10 } }),
        ATTRIBUTION_MAX_PAGES: '3',
        ATTRIBUTION_MATCH_TOLERANCE_SECONDS: '120',
      }),
      {
        scenario: [
          // A provider credit the ledger never booked.
          account(
            'NZCREDIT',
            [
              { amount: '150.00', side: 'cr', trxId: 'CR-A', agoSeconds: 3000 },
              { amount: '50.00', side: 'cr', trxId: 'CR-B', agoSeconds: 2000 },
            ],
            [booked('cr-a', 15_000n, 3000)],
          ),
          // A ledger entry the provider never saw.
          account(
            'NZLEDGERONLY',
            [{ amount: '150.00', side: 'cr', trxId: 'LO-A', agoSeconds: 3000 }],
            [booked('lo-a', 15_000n, 3000), booked('lo-ghost', 7_500n, 1500)],
          ),
          // A fee the provider deducted.
          account(
            'NZFEE',
            [
              { amount: '150.00', side: 'cr', trxId: 'FE-A', agoSeconds: 3000 },
              { amount: '2.50', side: 'db', type: 'fee', trxId: 'FE-FEE', agoSeconds: 2000 },
            ],
            [booked('fe-a', 15_000n, 3000)],
          ),
          // A duplicated event (counted once in the balance) beside a missing credit.
          account(
            'NZDUP',
            [
              { amount: '150.00', side: 'cr', trxId: 'DU-A', agoSeconds: 3000, duplicate: true },
              { amount: '50.00', side: 'cr', trxId: 'DU-B', agoSeconds: 2000 },
            ],
            [booked('du-a', 15_000n, 3000)],
          ),
          // An amount typed wrong in the ledger, booked long after, with the provider's id.
          account(
            'NZTYPO',
            [{ amount: '900.00', side: 'cr', trxId: 'TY-X', agoSeconds: 3600 }],
            [{ entryRef: 'ty-x', amount: 9_000n, postedAt: ago(1800), providerRef: 'TY-X' }],
          ),
          // A movement the history does not list (before the second event).
          account(
            'NZUNEXPLAINED',
            [
              { amount: '150.00', side: 'cr', trxId: 'UN-A', agoSeconds: 3000 },
              {
                amount: '200.00',
                side: 'cr',
                trxId: 'UN-B',
                agoSeconds: 2000,
                unlistedBefore: '-25.00',
              },
            ],
            [booked('un-a', 15_000n, 3000), booked('un-b', 20_000n, 2000)],
          ),
          // The history endpoint fails: the break stays a break, the failure is recorded.
          {
            ...account(
              'NZHISTFAIL',
              [{ amount: '50.00', side: 'cr', trxId: 'HF-B', agoSeconds: 2000 }],
              [],
            ),
            simulated: {
              status: 'approved_v2',
              history: {
                opening: '10000.00',
                events: [{ amount: '50.00', side: 'cr', trxId: 'HF-B', agoSeconds: 2000 }],
              },
              historyFaults: [{ kind: '500', times: 5 }],
            },
          },
          // Provider and ledger references a spreadsheet would run as formulas: per formula
          // start, a provider-only debit of 1.00 and a ledger-only debit of 2.00.
          account(
            'NZFORMULA',
            FORMULA_STARTS.map((c, i) => ({
              amount: '1.00',
              side: 'db',
              type: `${c}fee`,
              trxId: `${c}PO-${i}`,
              agoSeconds: 2400 - i * 60,
            })),
            FORMULA_STARTS.map((c, i) => ({
              entryRef: `${c}lo-${i}`,
              amount: -200n,
              postedAt: ago(1500 - i * 60),
              providerRef: `${c}LO-${i}`,
            })),
          ),
          // A credit the ledger lacks on an account Netzme calls blocked: still a break, and
          // still explained (inactive breaks went unexplained and missed the unmatched CSV).
          {
            ...account(
              'NZBLOCKEDCR',
              [{ amount: '70.00', side: 'cr', trxId: 'BL-A', agoSeconds: 2000 }],
              [],
            ),
            simulated: {
              status: 'approved_v2',
              userStatus: 'blocked',
              history: {
                opening: '10000.00',
                events: [{ amount: '70.00', side: 'cr', trxId: 'BL-A', agoSeconds: 2000 }],
              },
            },
            expected: { status: 'inactive', difference: 7000n, attempts: 1 },
          },
          // NICEPay documents no history: the report says so.
          {
            merchantId: 'M-NPBREAK',
            merchantName: 'Merchant NPBREAK',
            provider: 'nicepay',
            accountNo: 'NPBREAK',
            credentialSet: null,
            ledger: [{ entryRef: 'np-open', amount: OPEN, postedAt: ago(72 * 3600) }],
            simulated: { balance: '10050.00' },
            kind: 'real-break',
            expected: { status: 'mismatched', difference: 5000n, attempts: 1 },
          },
          // 25 unbooked credits: three pages of 10, the cursor followed to the end.
          account('NZPAGES', credits(25, 4000), []),
          // 45 unbooked credits: the 3-page cap stops at 30 events, and says so.
          account('NZCAP', credits(45, 4000), []),
        ],
      },
    );
    const started = await pipeline.producer.get(RunsService).start('api');
    runId = (await pipeline.waitForRun(started.runId, 90_000)).id;
    ({ app, url } = await startProducerHttp(pipeline.config));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await pipeline?.close();
    await deleteRedisKeys(pipeline.config.REDIS_URL, pipeline.config.QUEUE_PREFIX);
  });

  const resultOf = async (accountNo: string) => {
    const [row]: {
      status: string;
      difference: string;
      attribution: AttributionJson | null;
    }[] = await pipeline.db.dataSource.query(
      `SELECT r.status, r.difference, r.attribution FROM reconciliation_results r
         JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1 AND a.account_no = $2`,
      [runId, accountNo],
    );
    return row;
  };

  it('a provider credit missing from the ledger: explained, remainder 0, the event listed', async () => {
    const r = await resultOf('NZCREDIT');
    expect(r.status).toBe('mismatched');
    expect(r.difference).toBe('5000');
    expect(r.attribution).toMatchObject({
      outcome: 'explained',
      remainder: '0.00',
      matchedCount: 1,
      providerOnly: [{ providerRef: 'CR-B', amount: '50.00', runningBalance: '10200.00' }],
      ledgerOnly: [],
      summary: 'explained: 1 provider-only credit 50.00; remainder 0.00',
    });
    expect(r.attribution!.window.fromKind).toBe('look-back');
  });

  it('a ledger entry the provider never saw: ledger-only, remainder 0', async () => {
    const r = await resultOf('NZLEDGERONLY');
    expect(r.status).toBe('mismatched');
    expect(r.attribution).toMatchObject({
      outcome: 'explained',
      remainder: '0.00',
      providerOnly: [],
      ledgerOnly: [{ entryRef: 'lo-ghost', amount: '75.00' }],
    });
    expect(r.attribution!.summary).toBe('explained: 1 ledger-only entry 75.00; remainder 0.00');
  });

  it('a fee the provider deducted: a provider-only debit of type fee', async () => {
    const r = await resultOf('NZFEE');
    expect(r.attribution).toMatchObject({
      outcome: 'explained',
      remainder: '0.00',
      providerOnly: [{ providerRef: 'FE-FEE', amount: '-2.50', type: 'fee' }],
    });
    expect(r.attribution!.summary).toBe(
      'explained: 1 provider-only debit 2.50 (1 fee); remainder 0.00',
    );
  });

  it('a duplicated event: skipped and counted, not taken for a movement', async () => {
    const r = await resultOf('NZDUP');
    expect(r.attribution).toMatchObject({
      outcome: 'explained',
      remainder: '0.00',
      duplicatesSkipped: 1,
      providerOnly: [{ providerRef: 'DU-B', amount: '50.00' }],
    });
    expect(r.attribution!.summary).toContain('1 duplicate event skipped');
  });

  it('an amount typed wrong in the ledger: matched by provider_ref, the difference listed', async () => {
    const r = await resultOf('NZTYPO');
    expect(r.difference).toBe('81000');
    expect(r.attribution).toMatchObject({
      outcome: 'explained',
      remainder: '0.00',
      providerOnly: [],
      ledgerOnly: [],
      amountDifferences: [
        {
          providerRef: 'TY-X',
          entryRef: 'ty-x',
          providerAmount: '900.00',
          ledgerAmount: '90.00',
          difference: '810.00',
        },
      ],
    });
  });

  it('a break the history cannot explain: remainder ≠ 0, first divergence from running balances', async () => {
    const r = await resultOf('NZUNEXPLAINED');
    expect(r.status).toBe('mismatched');
    expect(r.difference).toBe('-2500');
    expect(r.attribution).toMatchObject({
      // Nothing unmatched found: the whole difference remains (it read "partly explained").
      outcome: 'not-explained',
      remainder: '-25.00',
      firstDivergence: {
        event: { providerRef: 'UN-B', runningBalance: '10325.00' },
        providerRunning: '10325.00',
        ledgerRunning: '10350.00',
      },
    });
    expect(r.attribution!.summary).toMatch(
      /remainder -25\.00; provider and ledger part after UN-B/,
    );
  });

  it('a failed history fetch never changes the status: recorded as "attribution failed: why"', async () => {
    const r = await resultOf('NZHISTFAIL');
    expect(r.status).toBe('mismatched');
    expect(r.difference).toBe('5000');
    expect(r.attribution).toMatchObject({ outcome: 'failed' });
    expect(r.attribution!.summary).toMatch(/^attribution failed: netzme answered 5001200/);
  });

  it('a break on a blocked account (inactive) is explained like any break', async () => {
    const r = await resultOf('NZBLOCKEDCR');
    expect(r.status).toBe('inactive');
    expect(r.difference).toBe('7000');
    expect(r.attribution).toMatchObject({
      outcome: 'explained',
      remainder: '0.00',
      providerOnly: [{ providerRef: 'BL-A', amount: '70.00' }],
      summary: 'explained: 1 provider-only credit 70.00; remainder 0.00',
    });
  });

  it('a provider without history (NICEPay): the result says it cannot be explained', async () => {
    const r = await resultOf('NPBREAK');
    expect(r.status).toBe('mismatched');
    expect(r.attribution).toEqual({
      outcome: 'unavailable',
      summary: 'not explained: NICEPay offers no transaction history',
    });
  });

  it('more than one page: the seqId cursor is followed to the end', async () => {
    const r = await resultOf('NZPAGES');
    expect(r.attribution).toMatchObject({
      outcome: 'explained',
      remainder: '0.00',
      pages: 3,
      capHit: false,
    });
    expect(r.attribution!.providerOnly).toHaveLength(25);
  });

  it('the page cap is respected and reported when hit', async () => {
    const r = await resultOf('NZCAP');
    expect(r.difference).toBe('4500');
    expect(r.attribution).toMatchObject({
      outcome: 'partly-explained',
      pages: 3,
      capHit: true,
      maxPages: 3,
      remainder: '15.00',
    });
    expect(r.attribution!.providerOnly).toHaveLength(30);
    expect(r.attribution!.summary).toContain('history page cap 3 reached');
  });

  describe('where people see it', () => {
    const CREDIT_LINE = 'explained: 1 provider-only credit 50.00; remainder 0.00';

    it('the run report carries the one-line explanation (API, CSV column, terminal table)', async () => {
      const res = await get(`/runs/${runId}/results?status=mismatched&pageSize=50`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        items: { accountNo: string; explanation: string | null }[];
      };
      expect(page.items.find((r) => r.accountNo === 'NZCREDIT')!.explanation).toBe(CREDIT_LINE);
      const csv = parse(await (await get(`/runs/${runId}/results.csv`)).text(), {
        columns: true,
      }) as Record<string, string>[];
      expect(csv.find((r) => r.accountNo === 'NZCREDIT')!.explanation).toBe(CREDIT_LINE);
      const table = reportToTable((await loadRunReport(pipeline.db.dataSource, runId))!);
      expect(table).toContain(`    ${CREDIT_LINE}`);
    });

    it('the discrepancy and its discrepancy.opened webhook payload carry it', async () => {
      const res = await get('/discrepancies?status=open&pageSize=100');
      const { items } = (await res.json()) as { items: DiscrepancyView[] };
      const d = items.find((x) => x.accountNo === 'NZCREDIT')!;
      expect(d.explanation).toBe(CREDIT_LINE);
      // The discrepancy.opened alert sends this view of the discrepancy as `discrepancy`.
      expect((await loadDiscrepancy(pipeline.db.dataSource, d.id))!.explanation).toBe(CREDIT_LINE);
      const failedOrNot = items.find((x) => x.accountNo === 'NZUNEXPLAINED')!;
      expect(failedOrNot.explanation).toMatch(/^not explained: /);
    });

    it('the account API returns the bridge; the account page shows it with the unmatched items in Jakarta time', async () => {
      const api = (await (await get('/accounts/netzme/NZCREDIT/history')).json()) as {
        items: { attribution: AttributionJson | null }[];
      };
      expect(api.items[0].attribution).toMatchObject({ summary: CREDIT_LINE, remainder: '0.00' });
      const page = await (await get('/ui/accounts/netzme/NZCREDIT')).text();
      // Its amounts as the page writes amounts (id-ID by default).
      expect(page).toContain(
        'explained: 1 provider-only credit Rp\u00a050,00; remainder Rp\u00a00,00',
      );
      expect(page).toContain('data-testid="bridge"');
      expect(page).toContain('= provider balance');
      const eventIso = api.items[0].attribution!.providerOnly[0].time;
      const jakarta = new Date(Date.parse(eventIso) + 7 * 3_600_000)
        .toISOString()
        .slice(0, 19)
        .replace('T', ' ');
      expect(page).toContain(`CR-B`);
      expect(page).toContain(`${jakarta} WIB`);
    });

    it('a CSV of the run’s unmatched items can be downloaded', async () => {
      const res = await get(`/runs/${runId}/unmatched.csv`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
      expect(rows.find((r) => r.accountNo === 'NZCREDIT')).toMatchObject({
        item: 'provider-only',
        providerRef: 'CR-B',
        amount: '50.00',
      });
      expect(rows.find((r) => r.accountNo === 'NZLEDGERONLY')).toMatchObject({
        item: 'ledger-only',
        entryRef: 'lo-ghost',
        ledgerAmount: '75.00',
      });
      expect(rows.find((r) => r.accountNo === 'NZTYPO')).toMatchObject({
        item: 'amount-difference',
        providerRef: 'TY-X',
        amount: '900.00',
        ledgerAmount: '90.00',
      });
      expect(rows.filter((r) => r.accountNo === 'NZCAP')).toHaveLength(30);
      // An inactive break's items too.
      expect(rows.find((r) => r.accountNo === 'NZBLOCKEDCR')).toMatchObject({
        item: 'provider-only',
        providerRef: 'BL-A',
        amount: '70.00',
      });
    });

    it('the unmatched CSV defuses references and types starting with = + - @ tab or CR, keeps negative amounts', async () => {
      const rows = parse(await (await get(`/runs/${runId}/unmatched.csv`)).text(), {
        columns: true,
      }) as Record<string, string>[];
      expect(rows.find((r) => r.accountNo === 'NZFEE')).toMatchObject({ amount: '-2.50' });
      const formula = rows.filter((r) => r.accountNo === 'NZFORMULA');
      const pick = (r: Record<string, string>) => ({
        item: r.item,
        providerRef: r.providerRef,
        entryRef: r.entryRef,
        type: r.type,
        amount: r.amount,
        ledgerAmount: r.ledgerAmount,
      });
      expect(formula.map(pick)).toEqual(
        expect.arrayContaining(
          FORMULA_STARTS.flatMap((c, i) => [
            {
              item: 'provider-only',
              providerRef: `'${c}PO-${i}`,
              entryRef: '',
              type: `'${c}fee`,
              amount: '-1.00',
              ledgerAmount: '',
            },
            {
              item: 'ledger-only',
              providerRef: `'${c}LO-${i}`,
              entryRef: `'${c}lo-${i}`,
              type: '',
              amount: '',
              ledgerAmount: '-2.00',
            },
          ]),
        ),
      );
      expect(formula).toHaveLength(2 * FORMULA_STARTS.length);
    });
  });
});
