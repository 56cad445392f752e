import { accountKeyText } from '@app/ledger';
import { loadRunReport, RunsService } from '@app/reconciliation';
import { ledgerAccount } from './support/one-entry-account';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const HOUR = 3_600_000;
/** The provider's clock, two minutes behind ours (within the allowed skew of ten). */
const BEHIND_MS = -120_000;

/**
 * A provider whose clock is behind ours stamps its balance with an instant before entries it
 * already holds. Read only as of that instant, a busy account (an entry in the last two
 * minutes, at every look) differed at every re-check and was reported a break on the first one
 * (found by a money-logic review). The ledger is now also read as it was while the request was
 * out (our clock): a provider equal to it is matched, as of that moment. Only that span: one
 * that holds some of the entries posted between its stamp and the request but not all is not.
 */
describe('a provider clock behind ours (pipeline over HTTP)', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(
      testConfig({ RECON_RECHECK_DELAY_MS: '1000', RECON_MAX_RECHECKS: '1' }),
      {
        scenario: [
          // 1,000.00 an hour ago, +50.00 30 s ago: the provider holds both, and says so as of
          // two minutes ago.
          ledgerAccount({
            provider: 'netzme',
            accountNo: 'NZBEHIND',
            entries: [
              { amount: 100_000n, agoMs: HOUR },
              { amount: 5_000n, agoMs: 30_000 },
            ],
            simulated: { balance: '1050.00', providerTimeOffsetMs: BEHIND_MS },
          }),
          // The same clock, holding a +20.00 of a minute ago but not the +50.00 of 30 s ago:
          // equal to the ledger between its stamp and the request, never while it was asked.
          // Not matched: judged as of its stamp (1,000.00), where it is 20.00 ahead.
          ledgerAccount({
            provider: 'netzme',
            accountNo: 'NZBEHINDLAG',
            entries: [
              { amount: 100_000n, agoMs: HOUR },
              { amount: 2_000n, agoMs: 60_000 },
              { amount: 5_000n, agoMs: 30_000 },
            ],
            simulated: { balance: '1020.00', providerTimeOffsetMs: BEHIND_MS },
          }),
          // The same clock with 20.00 more than any balance the ledger had: still a break, its
          // difference the one to the ledger as of the provider's instant (1,000.00).
          ledgerAccount({
            provider: 'netzme',
            accountNo: 'NZBEHINDX',
            entries: [
              { amount: 100_000n, agoMs: HOUR },
              { amount: 5_000n, agoMs: 30_000 },
            ],
            simulated: { balance: '1070.00', providerTimeOffsetMs: BEHIND_MS },
          }),
        ],
      },
    );
  }, 90_000);
  afterAll(() => pipeline.close());

  it("a balance the ledger had after an entry posted since the provider's instant is matched on the first look, as of that entry; one the ledger never had is a break", async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    const run = await pipeline.waitForRun(runId, 30_000);
    const report = (await loadRunReport(pipeline.db.dataSource, runId))!;
    expect(
      Object.fromEntries(report.results.map((r) => [r.accountNo, [r.status, r.difference]])),
    ).toEqual({
      NZBEHIND: ['matched', '0.00'],
      NZBEHINDLAG: ['mismatched', '20.00'],
      NZBEHINDX: ['mismatched', '70.00'],
    });
    expect(run.counts).toMatchObject({ matched: 1, mismatched: 2, timing: 0 });
    const idOf = (accountNo: string) =>
      pipeline.accountIds.get(accountKeyText({ provider: 'netzme', accountNo }))!;
    const [row]: {
      attempts: number;
      ledger_balance: string;
      as_of: Date;
      provider_time: Date;
      posted_at: Date;
    }[] = await pipeline.db.dataSource.query(
      `SELECT r.attempts, r.ledger_balance::text, r.as_of, r.provider_time, e.posted_at
         FROM reconciliation_results r
         JOIN ledger_entries e ON e.account_id = r.account_id AND e.entry_ref = 'NZBEHIND-2'
        WHERE r.run_id = $1 AND r.account_id = $2`,
      [runId, idOf('NZBEHIND')],
    );
    // One look, no re-check; the ledger balance after the +50.00, as of when the request left.
    expect(row.attempts).toBe(1);
    expect(row.ledger_balance).toBe('105000');
    expect(row.as_of.getTime()).toBeGreaterThan(row.posted_at.getTime());
    expect(row.as_of.getTime()).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - row.as_of.getTime()).toBeLessThan(30_000);
    // The provider's own time is kept as it said it: about two minutes ago, before the entry.
    expect(row.provider_time.getTime()).toBeLessThan(row.posted_at.getTime());
    expect(Math.abs(Date.now() + BEHIND_MS - row.provider_time.getTime())).toBeLessThan(30_000);
    const opened: { account_id: string }[] = await pipeline.db.dataSource.query(
      `SELECT account_id::text FROM discrepancies`,
    );
    expect(opened.map((o) => o.account_id).sort()).toEqual(
      [idOf('NZBEHINDLAG'), idOf('NZBEHINDX')].sort(),
    );
  }, 60_000);
});
