import { RunsService } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { Pipeline, startPipeline } from './support/pipeline';
import { testConfig } from './support/test-config';
import { logLines } from './security/app';

const BALANCE = 250_000n;

/**
 * Netzme's Get Balance page prints an answer whose `additionalInfo.ts` is 1663940662217 (2022).
 * A provider answering such a time (a copy of the example, or a clock far off) still has its
 * balance reconciled, as of the request time, and the worker says the time was not used;
 * before, every such answer was a contract breach and the account an `error` on every run.
 */
describe('a provider time that cannot be right', () => {
  const config = testConfig();
  const account: ScenarioAccount = {
    merchantId: 'TS1',
    merchantName: 'Stale clock 1',
    provider: 'netzme',
    accountNo: 'NZSTALETS1',
    credentialSet: null,
    ledger: [{ entryRef: 'TS1-1', amount: BALANCE, postedAt: new Date(Date.now() - 3_600_000) }],
    simulated: { balance: formatAmount(BALANCE) },
    kind: 'matched',
    expected: { status: 'matched', difference: 0n, attempts: 1 },
  };
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline(config, { scenario: [account] });
  }, 60_000);
  afterAll(async () => {
    await pipeline.close();
  });

  it("the page's 2022 ts: the account is reconciled (matched, no provider time) and the worker names the ignored value", async () => {
    const body = JSON.stringify({
      responseCode: '2001100',
      responseMessage: 'Successfull',
      partnerReferenceNo: 'testing012398120312',
      accountInfos: [
        {
          balanceType: 'Cash',
          availableBalance: { value: formatAmount(BALANCE), currency: 'IDR' },
        },
        { balanceType: 'Points', availableBalance: { value: '0.00', currency: 'IDR' } },
      ],
      additionalInfo: { ts: '1663940662217', type: 'get_aggregator_balance' },
    });
    pipeline.simulator.patchAccount('netzme', account.accountNo, {
      faults: [{ kind: 'raw', status: 200, body, times: 1 }],
    });
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    const run = await pipeline.waitForRun(runId, 30_000);
    expect(run.counts).toMatchObject({ matched: 1 });
    const [row]: { status: string; provider_time: Date | null; as_of: Date }[] =
      await pipeline.db.dataSource.query(
        `SELECT status, provider_time, as_of FROM reconciliation_results WHERE run_id = $1`,
        [runId],
      );
    expect(row.status).toBe('matched');
    expect(row.provider_time).toBeNull();
    expect(Math.abs(row.as_of.getTime() - Date.now())).toBeLessThan(60_000);
    const warned = logLines(pipeline.logs).filter(
      (l) => l.msg === "the provider's time in the answer was not used",
    );
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, externalId: expect.any(String) });
    expect(warned[0].err).toContain('additionalInfo.ts "1663940662217"');
  }, 60_000);
});
