import { loadRunReport, RunsService } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import { oneEntryAccount } from './support/one-entry-account';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const LEDGER = 10_000_000n; // 100,000.00 IDR
const OFF_BY = 150_000n; // 1,500.00 IDR
const ACCOUNTS = ['NZSTOP1', 'NZSTOP2', 'NZSTOP3', 'NZSTOP4'];

/**
 * A worker stopped while its jobs are in flight finishes them with every connection they
 * need still open. Blocked Netzme accounts off by 1,500.00 answer slowly, so the stop comes
 * between the balance call and the account-status call that makes each break `inactive`:
 * that call used to fail ("Connection is closed": the SNAP clients' Redis closed beside the
 * queue workers), and each account was saved `mismatched`, final, with a false discrepancy.
 */
describe('a worker stopped mid-run (pipeline over HTTP)', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(testConfig(), {
      scenario: ACCOUNTS.map((accountNo) =>
        oneEntryAccount({
          provider: 'netzme',
          accountNo,
          ledger: LEDGER,
          simulated: {
            balance: formatAmount(LEDGER + OFF_BY),
            userStatus: 'blocked',
            latencyMs: 1_500,
          },
          postedAgoMs: 7_200_000,
        }),
      ),
    });
  }, 90_000);
  afterAll(() => pipeline.close());

  it('finishes the jobs in flight with their account-status calls: blocked accounts are inactive, each break a discrepancy', async () => {
    const started = await pipeline.producer.get(RunsService).start('api');
    const netzme = pipeline.queues()[0];
    // The first look finds each difference (timing); the re-check confirms it and asks the
    // status: the stop comes during the re-check's balance call.
    const looked = async () =>
      Number(
        (
          await pipeline.db.dataSource.query(
            `SELECT count(*) AS n FROM reconciliation_results WHERE run_id = $1 AND status = 'timing'`,
            [started.runId],
          )
        )[0].n,
      );
    for (let i = 0; i < 100 && (await looked()) < ACCOUNTS.length; i++)
      await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 100 && (await netzme.getActiveCount()) < ACCOUNTS.length; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await netzme.getActiveCount()).toBe(ACCOUNTS.length);
    await new Promise((r) => setTimeout(r, 300));
    await pipeline.stopWorker();
    const report = (await loadRunReport(pipeline.db.dataSource, started.runId))!;
    expect(report.results.map((r) => [r.accountNo, r.status, r.error])).toEqual(
      ACCOUNTS.map((accountNo) => [accountNo, 'inactive', null]),
    );
    // Blocked explains why an account is frozen, not why it disagrees: each break is tracked.
    const discrepancies = await pipeline.db.dataSource.query(`SELECT id FROM discrepancies`);
    expect(discrepancies).toHaveLength(ACCOUNTS.length);
  }, 60_000);
});
