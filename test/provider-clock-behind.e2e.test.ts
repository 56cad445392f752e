import { accountKeyText } from '@app/ledger';
import { loadRunReport, RunsService } from '@app/reconciliation';
import { ledgerAccount } from './support/one-entry-account';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const HOUR = 3_600_000;
/** The provider's clock, five minutes behind ours (within the allowed skew of ten). */
const BEHIND_MS = -300_000;

/**
 * A Netzme account opened with 1,000.00 an hour ago, then `entries` (amount, ms ago), whose
 * provider on that clock answers `balance`.
 */
const behind = (accountNo: string, entries: [bigint, number][], balance: string) =>
  ledgerAccount({
    provider: 'netzme',
    accountNo,
    entries: [[100_000n, HOUR] as const, ...entries].map(([amount, agoMs]) => ({ amount, agoMs })),
    simulated: { balance, providerTimeOffsetMs: BEHIND_MS },
  });

/**
 * A provider whose clock is behind ours stamps its balance with an instant before entries it
 * already holds. Read as of that stamp, a busy account (an entry in the last five minutes, at
 * every look) differed at every re-check and was reported a break on the first one (found by a
 * money-logic review). The ledger is now read as of the provider's time kept inside the span of
 * the request (here: when the request left): matched on the first look, and a real break is
 * measured against the ledger the provider could have seen.
 */
describe('a provider clock behind ours (pipeline over HTTP)', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(
      testConfig({ RECON_RECHECK_DELAY_MS: '1000', RECON_MAX_RECHECKS: '2' }),
      {
        scenario: [
          // 1,000.00 an hour ago, +50.00 two minutes ago: the provider holds both, and says so
          // as of five minutes ago.
          behind('NZBEHIND', [[5_000n, 120_000]], '1050.00'),
          // The same clock, holding a +20.00 of four minutes ago but not the +50.00 of two: in
          // flight until the last re-check, then a break of -50.00.
          behind(
            'NZBEHINDLAG',
            [
              [2_000n, 240_000],
              [5_000n, 120_000],
            ],
            '1020.00',
          ),
          // The same clock with 20.00 more than the ledger: a break of +20.00 at the re-check.
          behind('NZBEHINDX', [[5_000n, 120_000]], '1070.00'),
        ],
      },
    );
  }, 90_000);
  afterAll(() => pipeline.close());

  it('a balance the ledger had when the request left is matched on the first look, as of then; a lag is in flight until the last re-check; breaks are measured against that ledger', async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    const run = await pipeline.waitForRun(runId, 30_000);
    const report = (await loadRunReport(pipeline.db.dataSource, runId))!;
    expect(
      Object.fromEntries(report.results.map((r) => [r.accountNo, [r.status, r.difference]])),
    ).toEqual({
      NZBEHIND: ['matched', '0.00'],
      NZBEHINDLAG: ['mismatched', '-50.00'],
      NZBEHINDX: ['mismatched', '20.00'],
    });
    expect(run.counts).toMatchObject({ matched: 1, mismatched: 2, timing: 0 });
    const idOf = (accountNo: string) =>
      pipeline.accountIds.get(accountKeyText({ provider: 'netzme', accountNo }))!;
    const rows: {
      account_no: string;
      ledger_balance: string;
      as_of: Date;
      provider_time: Date;
    }[] = await pipeline.db.dataSource.query(
      `SELECT a.account_no, r.ledger_balance::text, r.as_of, r.provider_time
         FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1`,
      [runId],
    );
    const byAccount = Object.fromEntries(rows.map((r) => [r.account_no, r]));
    // Balances asked: the first look and each re-check.
    const looks = (accountNo: string) => pipeline.simulator.account('netzme', accountNo)!.served;
    expect({
      NZBEHIND: looks('NZBEHIND'),
      NZBEHINDLAG: looks('NZBEHINDLAG'),
      NZBEHINDX: looks('NZBEHINDX'),
    }).toEqual({ NZBEHIND: 1, NZBEHINDLAG: 3, NZBEHINDX: 2 });
    const [{ posted_at: postedAt }]: { posted_at: Date }[] = await pipeline.db.dataSource.query(
      `SELECT posted_at FROM ledger_entries WHERE account_id = $1 AND entry_ref = 'NZBEHIND-2'`,
      [idOf('NZBEHIND')],
    );
    // The ledger balance after the +50.00, as of when the request left.
    const row = byAccount.NZBEHIND;
    expect(row.ledger_balance).toBe('105000');
    expect(row.as_of.getTime()).toBeGreaterThan(postedAt.getTime());
    expect(row.as_of.getTime()).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - row.as_of.getTime()).toBeLessThan(30_000);
    // The provider's own time is kept as it said it: about five minutes ago, before the entry.
    expect(row.provider_time.getTime()).toBeLessThan(postedAt.getTime());
    expect(Math.abs(Date.now() + BEHIND_MS - row.provider_time.getTime())).toBeLessThan(30_000);
    // The run's report says which instant its ledger balance is of, beside the provider's time.
    const reported = report.results.find((r) => r.accountNo === 'NZBEHIND')!;
    expect(reported).toMatchObject({
      ledgerBalance: '1050.00',
      asOf: row.as_of.toISOString(),
      providerTime: row.provider_time.toISOString(),
    });
    const opened: { account_id: string }[] = await pipeline.db.dataSource.query(
      `SELECT account_id::text FROM discrepancies`,
    );
    expect(opened.map((o) => o.account_id).sort()).toEqual(
      [idOf('NZBEHINDLAG'), idOf('NZBEHINDX')].sort(),
    );
  }, 60_000);
});

/**
 * Whether the provider learned anything between checks is told by its own time, not by the
 * instant the ledger is read as of (which follows our clock): a provider answering the same
 * balance with the same time is checked again until the last re-check, as before the clamp.
 */
describe('a provider whose time stands still (pipeline over HTTP)', () => {
  const standingTs = String(Date.now() - 60_000);
  const body = JSON.stringify({
    responseCode: '2001100',
    responseMessage: 'Successfull',
    partnerReferenceNo: 'stood',
    accountInfos: [
      { balanceType: 'Cash', availableBalance: { value: '1050.00', currency: 'IDR' } },
      { balanceType: 'Points', availableBalance: { value: '0.00', currency: 'IDR' } },
    ],
    additionalInfo: { ts: standingTs, type: 'get_aggregator_balance' },
  });
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(
      testConfig({ RECON_RECHECK_DELAY_MS: '500', RECON_MAX_RECHECKS: '2' }),
      {
        scenario: [
          ledgerAccount({
            provider: 'netzme',
            accountNo: 'NZSTOOD',
            entries: [{ amount: 100_000n, agoMs: HOUR }],
            simulated: { faults: [{ kind: 'raw', status: 200, body, times: 5 }] },
          }),
        ],
      },
    );
  }, 90_000);
  afterAll(() => pipeline.close());

  it('50.00 over the ledger at the same time on every look: re-checked until the last, then a break', async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    await pipeline.waitForRun(runId, 30_000);
    const report = (await loadRunReport(pipeline.db.dataSource, runId))!;
    expect(report.results.map((r) => [r.status, r.difference])).toEqual([['mismatched', '50.00']]);
    // Three looks (the first and two re-checks): two of the five canned answers are left.
    expect(pipeline.simulator.account('netzme', 'NZSTOOD')!.faults).toEqual([
      expect.objectContaining({ kind: 'raw', times: 2 }),
    ]);
  }, 60_000);
});
