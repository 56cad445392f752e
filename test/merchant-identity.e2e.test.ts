import { Readable } from 'node:stream';
import { importAccountsCsv } from '@app/ledger';
import { loadRunReport, reportToCsv, RunsService } from '@app/reconciliation';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { pageText, PAGES } from './snap/support/provider-pages';
import { oneEntryAccount } from './support/one-entry-account';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const LEDGER = 5_000_000n; // 50,000.00

function account(
  provider: 'finnet' | 'nicepay',
  accountNo: string,
  merchantId: string,
  simulated: Record<string, unknown>,
): ScenarioAccount {
  return oneEntryAccount({
    provider,
    accountNo,
    merchantId,
    credentialSet: provider === 'finnet' ? accountNo : null,
    ledger: LEDGER,
    simulated: { balance: '50000.00', ...simulated },
  });
}

/**
 * Issue 11, item 3: the answer must be this account's merchant. Finnet names the merchant of the
 * credential set (`name`); NICEPay answers a seller (`msId`) or the parent. Both are set through
 * the accounts CSV's `expected_provider_name` and `ms_id` columns.
 */
describe('merchant identity: Finnet name and NICEPay seller (pipeline over HTTP)', () => {
  let pipeline: Pipeline;
  let runId: string;

  beforeAll(async () => {
    pipeline = await startPipeline(testConfig(), {
      scenario: [
        account('finnet', 'FINNET-RIGHT', 'F1', { name: 'Toko Satu' }),
        account('finnet', 'FINNET-WRONG', 'F2', { name: 'Toko Lain' }),
        // A seller is its own account: the seeded key carries the msId the CSV row names.
        { ...account('nicepay', 'NPSELLER01', 'N1', { msId: 'SELLER7' }), msId: 'SELLER7' },
        // A Finnet account without a credential set would be read with the default set.
        { ...account('finnet', 'FINNET-NOSET', 'F3', { name: 'Toko Tiga' }), credentialSet: null },
      ],
    });
    const summary = await importAccountsCsv(
      pipeline.db.dataSource,
      Readable.from([
        'merchant_id,merchant_name,provider,account_no,currency,credential,ms_id,expected_provider_name\n',
        'F1,Merchant F1,finnet,FINNET-RIGHT,IDR,FINNET-RIGHT,,toko satu\n',
        'F2,Merchant F2,finnet,FINNET-WRONG,IDR,FINNET-WRONG,,Toko Dua\n',
        'N1,Merchant N1,nicepay,NPSELLER01,IDR,,SELLER7,\n',
      ]),
    );
    // F1 and F2 gain their expected names; the seller row confirms the seeded seller account.
    expect(summary).toMatchObject({ rejectedCount: 0, accountsUpdated: 2, duplicates: 1 });
    const started = await pipeline.producer.get(RunsService).start('api');
    runId = (await pipeline.waitForRun(started.runId)).id;
  }, 90_000);
  afterAll(() => pipeline.close());

  const resultOf = async (accountNo: string) => {
    const report = await loadRunReport(pipeline.db.dataSource, runId);
    return report!.results.find((r) => r.accountNo === accountNo)!;
  };

  it('Finnet: the reported name is stored; the expected one (any case) lets the comparison run', async () => {
    expect(await resultOf('FINNET-RIGHT')).toMatchObject({
      status: 'matched',
      providerName: 'Toko Satu',
    });
  });

  it('Finnet: the answer’s referenceNo and the request’s X-EXTERNAL-ID are kept for the operator, in the report and its CSV', async () => {
    // The page's response table: "referenceNo | String (8) | Transaction identifier on service
    // provider system"; its header table: "X-EXTERNAL-ID | String (36)".
    const page = pageText(PAGES.finnetBalance);
    const referenceMax = Number(/^referenceNo\n\nString \((\d+)\)/m.exec(page)![1]);
    const externalIdMax = Number(/^X-EXTERNAL-ID\n\nString \((\d+)\)/m.exec(page)![1]);
    const r = await resultOf('FINNET-RIGHT');
    expect(r.providerReference).toMatch(new RegExp(`^\\S{1,${referenceMax}}$`));
    expect(r.externalId).toMatch(new RegExp(`^\\S{1,${externalIdMax}}$`));
    const report = (await loadRunReport(pipeline.db.dataSource, runId))!;
    const csv = reportToCsv(report);
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header.split(',');
    const row = rows.find((line) => line.includes('FINNET-RIGHT'))!.split(',');
    expect(row[columns.indexOf('providerReference')]).toBe(r.providerReference);
    expect(row[columns.indexOf('externalId')]).toBe(r.externalId);
  });

  it('Finnet: another name makes the result error, never a comparison with this ledger', async () => {
    const r = await resultOf('FINNET-WRONG');
    expect(r).toMatchObject({ status: 'error', providerName: 'Toko Lain', providerBalance: null });
    expect(r.error).toContain('credential set answers for another merchant');
    expect(r.error).toContain('"Toko Lain"');
    expect(r.error).toContain('"Toko Dua"');
  });

  it('Finnet: an account without its own credential set is an error, never read with the default set', async () => {
    const r = await resultOf('FINNET-NOSET');
    expect(r).toMatchObject({ status: 'error', providerBalance: null });
    expect(r.error).toContain('knows an account by its credential set');
  });

  it("NICEPay: the seller's msId from the CSV is sent, echoed and the seller's ledger matched", async () => {
    expect(await resultOf('NPSELLER01')).toMatchObject({ status: 'matched', error: null });
    const rows: { ms_id: string }[] = await pipeline.db.dataSource.query(
      `SELECT ms_id FROM provider_accounts WHERE account_no = 'NPSELLER01'`,
    );
    expect(rows).toEqual([{ ms_id: 'SELLER7' }]);
  });
});
