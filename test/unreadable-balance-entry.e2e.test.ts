import { RunsService } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { Pipeline, startPipeline } from './support/pipeline';
import { testConfig } from './support/test-config';
import { logLines } from './security/app';

const BALANCE = 250_000n;

/**
 * Netzme answers a Cash and a Points entry (its Get Balance page); only Cash is reconciled.
 * A Points entry out of the contract (a value that is no amount) does not spoil the Cash
 * balance, and is not passed over in silence: the worker logs it, once per account, with the
 * external id to show the provider.
 */
describe('a balance entry that is not reconciled and cannot be read', () => {
  const config = testConfig();
  const account: ScenarioAccount = {
    merchantId: 'PTS1',
    merchantName: 'Points 1',
    provider: 'netzme',
    accountNo: 'NZPOINTS1',
    credentialSet: null,
    ledger: [{ entryRef: 'PTS1-1', amount: BALANCE, postedAt: new Date(Date.now() - 3_600_000) }],
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

  it('the Cash balance is reconciled (matched) and the Points entry is logged as unreadable', async () => {
    // The page's answer, with the account's Cash, this moment's ts and a Points value of "120".
    const body = JSON.stringify({
      responseCode: '2001100',
      responseMessage: 'Successfull',
      partnerReferenceNo: 'x',
      accountInfos: [
        {
          balanceType: 'Cash',
          availableBalance: { value: formatAmount(BALANCE), currency: 'IDR' },
        },
        { balanceType: 'Points', availableBalance: { value: '120', currency: 'IDR' } },
      ],
      additionalInfo: { ts: String(Date.now()), type: 'get_aggregator_balance' },
    });
    pipeline.simulator.patchAccount('netzme', account.accountNo, {
      faults: [{ kind: 'raw', status: 200, body, times: 1 }],
    });
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    const run = await pipeline.waitForRun(runId, 30_000);
    expect(run.counts).toMatchObject({ matched: 1 });
    const warned = logLines(pipeline.logs).filter(
      (l) => l.msg === 'a balance entry not reconciled could not be read',
    );
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({
      level: 40,
      balanceType: 'Points',
      err: 'accountInfos[1].availableBalance.value: "120" is not an amount of the form -?digits.dd',
      externalId: expect.any(String),
    });
  }, 60_000);
});
