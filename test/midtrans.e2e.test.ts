import { loadRunReport, RunsService } from '@app/reconciliation';
import { DEFAULT_PROFILES, formatAmount } from '@app/snap';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { oneEntryAccount } from './support/one-entry-account';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const LEDGER = 2_500_000n; // 25,000.00

function midtrans(accountNo: string, simulated: Record<string, unknown>): ScenarioAccount {
  return oneEntryAccount({ provider: 'midtrans', accountNo, ledger: LEDGER, simulated });
}

/**
 * The fourth provider, Midtrans (docs/providers/midtrans.md), reconciled end to end: its
 * profile file is all the client knows of it. Its answer holds several balances under `amount`
 * (payin, iris, unified); the profile reconciles `iris`.
 */
describe('Midtrans, the fourth provider, end to end (pipeline over HTTP)', () => {
  let pipeline: Pipeline;
  let runId: string;

  beforeAll(async () => {
    pipeline = await startPipeline(testConfig(), {
      scenario: [
        midtrans('MT-MATCH', { balance: formatAmount(LEDGER) }),
        midtrans('MT-BREAK', { balance: formatAmount(LEDGER - 1_000_000n) }),
        // The answer in the page's field table, verbatim: payin, iris, unified under `amount`.
        midtrans('MT-PAGE', {
          balance: formatAmount(LEDGER),
          faults: [
            {
              kind: 'raw',
              status: 200,
              body: JSON.stringify({
                responseCode: '2001100',
                responseMessage: 'Successful',
                accountInfos: [
                  { balanceType: 'payin', amount: { value: '10000.00', currency: 'IDR' } },
                  { balanceType: 'iris', amount: { value: '25000.00', currency: 'IDR' } },
                  { balanceType: 'unified', amount: { value: '35000.00', currency: 'IDR' } },
                ],
              }),
            },
          ],
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

  it('the profile reads the iris balance under amount', () => {
    expect(DEFAULT_PROFILES.midtrans.response).toMatchObject({
      balanceField: 'amount',
      balanceType: 'iris',
    });
  });

  it('a matching Midtrans account is matched', async () => {
    expect(await resultOf('MT-MATCH')).toMatchObject({
      status: 'matched',
      provider: 'midtrans',
      providerBalance: '25000.00',
      responseCode: '2001100',
    });
  });

  it('a real break on a Midtrans account is mismatched with its difference', async () => {
    expect(await resultOf('MT-BREAK')).toMatchObject({
      status: 'mismatched',
      difference: '-10000.00',
    });
  });

  it("the page's answer shape (three balances) reconciles the iris one", async () => {
    expect(await resultOf('MT-PAGE')).toMatchObject({
      status: 'matched',
      providerBalance: '25000.00',
    });
  });

  it('every Midtrans call went to the simulator over HTTP and was answered 2001100', () => {
    const stats = pipeline.simulator.stats().providers.midtrans;
    // Three accounts, MT-BREAK looked at twice (a difference is checked again before it is a break).
    expect(stats.byKind.balance.requests).toBe(4);
    expect(stats.tokensIssued).toBe(1);
  });
});
