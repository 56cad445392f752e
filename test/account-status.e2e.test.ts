import { Writable } from 'node:stream';
import { reportToTable, loadRunReport, RunsService } from '@app/reconciliation';
import { writeRunReportJson } from '@app/reconciliation/run-report-json-export';
import { formatAmount } from '@app/snap';
import type { SimulatedAccount } from '../apps/cli/src/demo/demo-scenario';
import { oneEntryAccount } from './support/one-entry-account';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const LEDGER = 10_000_000n; // 100,000.00 IDR
const OFF_BY = 150_000n; // 1,500.00 IDR

function netzme(accountNo: string, providerBalance: bigint, simulated: SimulatedAccount) {
  return oneEntryAccount({
    provider: 'netzme',
    accountNo,
    ledger: LEDGER,
    simulated: { balance: formatAmount(providerBalance), ...simulated },
    postedAgoMs: 7_200_000,
  });
}

/**
 * Issue 11, item 1: Netzme's account status read the way its Get Account Status page means it.
 * The page's example of an ordinary account answers `status: "approved_v2"`; a break on such an
 * account is a real break, never `inactive`.
 */
describe('account status read as the Netzme page means it (pipeline over HTTP)', () => {
  let pipeline: Pipeline;
  let runId: string;

  beforeAll(async () => {
    pipeline = await startPipeline(testConfig(), {
      scenario: [
        // No status set: the simulator answers the page's example verbatim (premium /
        // approved_v2); balance off by 1,500.00.
        netzme('NZPAGE', LEDGER + OFF_BY, {}),
        // Blocked ("Account status": userStatus), balance off by 1,500.00.
        netzme('NZBLOCKED', LEDGER + OFF_BY, { userStatus: 'blocked' }),
        // A request of the account's closed ("Status request": status), off by 1,500.00:
        // says nothing of the account, which stays a real break.
        netzme('NZREQCLOSED', LEDGER + OFF_BY, { status: 'closed' }),
        // Blocked but matching: the status is never asked.
        netzme('NZMATCH', LEDGER, { userStatus: 'blocked' }),
        // A permanent failure on an account the status call calls active: stays `error`.
        netzme('NZGONE', LEDGER, {
          status: 'approved_v2',
          faults: [{ kind: '404xx11' }],
        }),
        // A permanent failure on a blocked account: the status call says why.
        netzme('NZGONEBLOCKED', LEDGER, {
          userStatus: 'BLOCKED',
          faults: [{ kind: '404xx11' }],
        }),
        // A permanent failure of our request (400xx01), on a blocked account: it says nothing
        // of the account, which is not asked about and stays `error`.
        netzme('NZBADREQ', LEDGER, {
          userStatus: 'BLOCKED',
          faults: [{ kind: '400xx01' }],
        }),
      ],
    });
    const started = await pipeline.producer.get(RunsService).start('api');
    runId = (await pipeline.waitForRun(started.runId)).id;
  }, 90_000);
  afterAll(() => pipeline.close());

  const resultOf = async (accountNo: string) => {
    const report = await loadRunReport(pipeline.db.dataSource, runId);
    return report!.results.find((r) => r.accountNo === accountNo)!;
  };

  it('a page-example account off by 1,500.00 ends mismatched and opens a discrepancy', async () => {
    const r = await resultOf('NZPAGE');
    expect(r).toMatchObject({ status: 'mismatched', difference: '1500.00' });
    expect(r.providerStatus).toContain('userStatus=premium');
    expect(r.providerStatus).toContain('status=approved_v2');
    const open: { status: string; last_difference: string }[] = await pipeline.db.dataSource.query(
      `SELECT d.status, d.last_difference FROM discrepancies d
           JOIN provider_accounts a ON a.id = d.account_id WHERE a.account_no = 'NZPAGE'`,
    );
    expect(open).toEqual([{ status: 'open', last_difference: String(OFF_BY) }]);
  });

  it('a blocked account off by 1,500.00 ends inactive, and its break is still tracked: a discrepancy, and the run totals (blocked explains why it is frozen, not why it disagrees; a tester saw 450.00 drop out)', async () => {
    const r = await resultOf('NZBLOCKED');
    expect(r).toMatchObject({ status: 'inactive', difference: '1500.00' });
    expect(r.providerStatus).toContain('userStatus=blocked');
    const open: { status: string; last_difference: string }[] = await pipeline.db.dataSource.query(
      `SELECT d.status, d.last_difference FROM discrepancies d
           JOIN provider_accounts a ON a.id = d.account_id WHERE a.account_no = 'NZBLOCKED'`,
    );
    expect(open).toEqual([{ status: 'open', last_difference: String(OFF_BY) }]);
    // NZPAGE, NZBLOCKED and NZREQCLOSED, 1,500.00 each; an `inactive` refusal (NZGONEBLOCKED)
    // has no difference and adds nothing. Three breaks where the per-status counts say two
    // mismatched (a newcomer saw 44 mismatched beside 45 discrepancies, and no break count).
    const report = await loadRunReport(pipeline.db.dataSource, runId);
    expect(report!.run).toMatchObject({
      breakCount: 3,
      totalAbsDifference: '4500.00',
      largestAbsDifference: '1500.00',
    });
    expect(report!.run.counts.mismatched).toBe(2);
    expect(reportToTable(report!)).toContain('breaks: 3   total |difference|: 4500.00');
  });

  it('a closed request ("Status request", not "Account status") leaves a break mismatched, with its discrepancy', async () => {
    const r = await resultOf('NZREQCLOSED');
    expect(r).toMatchObject({ status: 'mismatched', difference: '1500.00' });
    expect(r.providerStatus).toBe('status=closed, userStatus=premium');
    const open: { status: string }[] = await pipeline.db.dataSource.query(
      `SELECT d.status FROM discrepancies d
           JOIN provider_accounts a ON a.id = d.account_id WHERE a.account_no = 'NZREQCLOSED'`,
    );
    expect(open).toEqual([{ status: 'open' }]);
  });

  it('a matching account is not asked for its status, blocked or not', async () => {
    const r = await resultOf('NZMATCH');
    expect(r).toMatchObject({ status: 'matched', providerStatus: null });
    // Asked: NZPAGE, NZBLOCKED, NZREQCLOSED, NZGONE, NZGONEBLOCKED; never NZMATCH or NZBADREQ.
    expect(pipeline.simulator.stats().providers.netzme.byKind['account-inquiry'].requests).toBe(5);
  });

  it('a permanent error stays error unless the status call says not active', async () => {
    const gone = await resultOf('NZGONE');
    expect(gone).toMatchObject({ status: 'error', responseCode: '4041111' });
    expect(gone.providerStatus).toContain('status=approved_v2');
    const blocked = await resultOf('NZGONEBLOCKED');
    expect(blocked).toMatchObject({ status: 'inactive', responseCode: '4041111' });
    expect(blocked.providerStatus).toContain('userStatus=BLOCKED');
  });

  it('a permanent error of our own request (400xx01) stays error: the account is not asked about, blocked or not', async () => {
    const r = await resultOf('NZBADREQ');
    expect(r).toMatchObject({ status: 'error', responseCode: '4001101', providerStatus: null });
  });

  it('the report shows the status values', async () => {
    const report = await loadRunReport(pipeline.db.dataSource, runId);
    const table = reportToTable(report!);
    expect(table).toContain('provider status');
    expect(table).toMatch(/NZBLOCKED .*inactive.*userStatus=blocked/);
    expect(table).toMatch(/NZPAGE .*mismatched.*status=approved_v2/);
  });

  it('the whole-run JSON report (streamed, as GET /runs/:id/report sends it) shows them too', async () => {
    const run = (await loadRunReport(pipeline.db.dataSource, runId))!.run;
    let text = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    await writeRunReportJson(pipeline.db.dataSource, run, sink);
    const { results } = JSON.parse(text) as { results: Record<string, unknown>[] };
    expect(results.find((r) => r.accountNo === 'NZBLOCKED')).toMatchObject({
      status: 'inactive',
      providerStatus: expect.stringContaining('userStatus=blocked'),
    });
  });
});
