import { appendLedgerEntries, accountKeyText } from '@app/ledger';
import { loadRunReport, RunsService } from '@app/reconciliation';
import { ledgerAccount } from './support/one-entry-account';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const HOUR = 3_600_000;

/** A Netzme account with `entries` (amount, ms ago) whose provider answers `balances` in turn. */
const account = (accountNo: string, entries: [bigint, number][], balances: string[]) =>
  ledgerAccount({
    provider: 'netzme',
    accountNo,
    entries: entries.map(([amount, agoMs]) => ({ amount, agoMs })),
    simulated: { balances },
  });

/**
 * Money in flight told from a real break by checking again (found by a money-logic review):
 * the first look never alarms, money in the in-flight window is checked again until the last
 * re-check (a provider slow to book, a busy account's newer entries), which judges what it sees. The simulator answers each account's balances
 * in turn; ledger entries are added between the checks as a platform's feed would.
 */
describe('re-checks before a break (pipeline over HTTP)', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(
      testConfig({ RECON_RECHECK_DELAY_MS: '3000', RECON_MAX_RECHECKS: '2' }),
      {
        scenario: [
          // 1,000.00 an hour ago, +50.00 20 s ago. The provider has not booked the 50.00 at the
          // first look; at the first re-check it has, but not a 20.00 posted since; then it has.
          account(
            'NZBUSY',
            [
              [100_000n, HOUR],
              [5_000n, 20_000],
            ],
            ['1000.00', '1050.00', '1070.00'],
          ),
          // The provider has a 50.00 credit the platform records only after the first look,
          // back-dated to 10 s before it.
          account('NZAHEAD', [[100_000n, HOUR]], ['1050.00']),
          // The 50.00 in flight at the first look reaches the provider only after the first
          // re-check (a provider slow to book, inside the in-flight window): not a break.
          account(
            'NZSLOW',
            [
              [100_000n, HOUR],
              [5_000n, 20_000],
            ],
            ['1000.00', '1000.00', '1050.00'],
          ),
          // The 50.00 in flight at the first look never reaches the provider: a break.
          account(
            'NZLOST',
            [
              [100_000n, HOUR],
              [5_000n, 20_000],
            ],
            ['1000.00'],
          ),
        ],
        startWorker: false,
      },
    );
  }, 90_000);
  afterAll(() => pipeline.close());

  const idOf = (accountNo: string) =>
    pipeline.accountIds.get(accountKeyText({ provider: 'netzme', accountNo }))!;
  const resultOf = async (runId: string, accountNo: string) =>
    (
      (await pipeline.db.dataSource.query(
        `SELECT status, is_final, as_of FROM reconciliation_results WHERE run_id = $1 AND account_id = $2`,
        [runId, idOf(accountNo)],
      )) as { status: string; is_final: boolean; as_of: Date }[]
    )[0];
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('a busy account, a provider ahead of the ledger and one slow to book end matched; money that never arrived is a break; no false alarm', async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    await pipeline.startWorker();
    // The first look: every account is a difference, none final.
    await until('the first looks', async () => {
      const rows = await Promise.all(
        ['NZBUSY', 'NZAHEAD', 'NZSLOW', 'NZLOST'].map((a) => resultOf(runId, a)),
      );
      return rows.every((r) => r?.status === 'timing');
    });
    const ahead = await resultOf(runId, 'NZAHEAD');
    expect(ahead.is_final).toBe(false);
    await appendLedgerEntries(pipeline.db.dataSource, [
      // Posted after the first look: in flight at the re-check, not what the first look missed.
      { accountId: idOf('NZBUSY'), entryRef: 'NZBUSY-3', amount: 2_000n, postedAt: new Date() },
      // Recorded late by the platform, back-dated to before the first look.
      {
        accountId: idOf('NZAHEAD'),
        entryRef: 'NZAHEAD-2',
        amount: 5_000n,
        postedAt: new Date(ahead.as_of.getTime() - 10_000),
      },
    ]);
    const run = await pipeline.waitForRun(runId, 30_000);
    const report = (await loadRunReport(pipeline.db.dataSource, runId))!;
    expect(
      Object.fromEntries(report.results.map((r) => [r.accountNo, [r.status, r.difference]])),
    ).toEqual({
      NZBUSY: ['matched', '0.00'],
      NZAHEAD: ['matched', '0.00'],
      NZSLOW: ['matched', '0.00'],
      NZLOST: ['mismatched', '-50.00'],
    });
    expect(run.counts).toMatchObject({ matched: 3, mismatched: 1, timing: 0 });
    const opened: { account_id: string }[] = await pipeline.db.dataSource.query(
      `SELECT account_id::text FROM discrepancies`,
    );
    expect(opened).toEqual([{ account_id: idOf('NZLOST') }]);
  }, 60_000);
});
