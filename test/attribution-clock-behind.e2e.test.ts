import { accountKeyText, appendLedgerEntries } from '@app/ledger';
import { AttributionJson, RunsService } from '@app/reconciliation';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { simulatorAccounts } from '../apps/cli/src/demo/seed-database';
import type { INestApplication } from '@nestjs/common';
import { BASIC_AUTH, startProducerHttp } from './reports/http';
import { deleteRedisKeys } from './support/redis-cleanup';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const ACCOUNT_NO = 'NZCLOCKBRIDGE';
/** The provider's clock, fifteen seconds behind ours. */
const BEHIND_MS = -15_000;

function account(events: Record<string, unknown>[]): ScenarioAccount {
  return {
    merchantId: 'M-CLOCKBRIDGE',
    merchantName: 'Merchant clock bridge',
    provider: 'netzme',
    accountNo: ACCOUNT_NO,
    credentialSet: null,
    ledger: [
      { entryRef: 'cb-open', amount: 100_000n, postedAt: new Date(Date.now() - 72 * 3_600_000) },
    ],
    simulated: {
      status: 'approved_v2',
      providerTimeOffsetMs: BEHIND_MS,
      history: { opening: '1000.00', events },
    },
    kind: 'real-break',
    expected: { status: 'mismatched', difference: null, attempts: 1 },
  };
}

/**
 * A break's bridge after a match on a provider clock behind ours: that match's as-of is our
 * clock's (the ledger is read as of the request's span), ahead of the provider's own time. The
 * provider's events start from its own time, the ledger's from the as-of: from the as-of for
 * both, a credit the provider booked in between was lost and the break "not explained" (found
 * by a review of the clock-behind change).
 */
describe('attribution after a match on a provider clock behind ours (pipeline over HTTP)', () => {
  let pipeline: Pipeline;
  let match: { as_of: Date; provider_time: Date; ledger_balance: string };
  let attribution: AttributionJson;
  let status: string;
  let app: INestApplication | undefined;
  let url: string;

  const runOnce = async () => {
    const started = await pipeline.producer.get(RunsService).start('api');
    return (await pipeline.waitForRun(started.runId, 60_000)).id;
  };
  const resultOf = async (runId: string) => {
    const [row]: {
      status: string;
      as_of: Date;
      provider_time: Date;
      ledger_balance: string;
      attribution: AttributionJson | null;
    }[] = await pipeline.db.dataSource.query(
      `SELECT r.status, r.as_of, r.provider_time, r.ledger_balance::text, r.attribution
         FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1 AND a.account_no = $2`,
      [runId, ACCOUNT_NO],
    );
    return row;
  };

  beforeAll(async () => {
    pipeline = await startPipeline(testConfig(), { scenario: [account([])] });
    const accountId = pipeline.accountIds.get(
      accountKeyText({ provider: 'netzme', accountNo: ACCOUNT_NO }),
    )!;
    // A 20.00 credit a second ago on both sides: the provider booked it at its clock's time.
    const creditAt = new Date(Date.now() - 1_000);
    const credit = {
      amount: '20.00',
      side: 'cr',
      trxId: 'TRX-CB-1',
      at: new Date(creditAt.getTime() + BEHIND_MS).toISOString(),
    };
    pipeline.simulator.putAccounts(simulatorAccounts([account([credit])]) as never);
    await appendLedgerEntries(pipeline.db.dataSource, [
      {
        accountId,
        entryRef: 'cb-pay-1',
        amount: 2_000n,
        postedAt: creditAt,
        providerRef: 'TRX-CB-1',
      },
    ]);
    // The provider says 1,020.00 as of fifteen seconds ago, before the credit it holds: matched
    // by the ledger as of when the request left.
    match = await resultOf(await runOnce());
    expect(match).toMatchObject({ status: 'matched', ledger_balance: '102000' });
    expect(match.provider_time.getTime()).toBeLessThan(creditAt.getTime());
    expect(match.as_of.getTime()).toBeGreaterThan(creditAt.getTime());
    // A 50.00 credit the ledger never gets, booked by the provider just after that answer
    // (its clock; its history shows whole seconds): before the match's as-of on ours.
    const lostAt = new Date(match.provider_time.getTime() + 1_500);
    expect(lostAt.getTime()).toBeLessThan(match.as_of.getTime());
    pipeline.simulator.putAccounts(
      simulatorAccounts([
        account([
          credit,
          { amount: '50.00', side: 'cr', trxId: 'TRX-CB-2', at: lostAt.toISOString() },
        ]),
      ]) as never,
    );
    // The next check's provider time after the match's as-of (our clock).
    await new Promise((r) =>
      setTimeout(r, Math.max(0, match.as_of.getTime() - BEHIND_MS + 1_500 - Date.now())),
    );
    const second = await resultOf(await runOnce());
    status = second.status;
    attribution = second.attribution!;
    ({ app, url } = await startProducerHttp(pipeline.config));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await pipeline?.close();
    await deleteRedisKeys(pipeline.config.REDIS_URL, pipeline.config.QUEUE_PREFIX);
  });

  it("names the provider's 50.00 booked between the match's own time and its as-of: explained, remainder 0", () => {
    expect(status).toBe('mismatched');
    expect(attribution).toMatchObject({
      outcome: 'explained',
      window: {
        from: match.as_of.toISOString(),
        fromKind: 'last-matched',
        eventsFrom: match.provider_time.toISOString(),
      },
      ledgerBalance: '1020.00',
      providerBalance: '1070.00',
      providerOnly: [{ providerRef: 'TRX-CB-2', amount: '50.00' }],
      ledgerOnly: [],
      remainder: '0.00',
    });
    expect(attribution.providerOnly).toHaveLength(1);
  });

  it("the account page says where the provider's events start", async () => {
    const page = await (
      await fetch(`${url}/ui/accounts/netzme/${ACCOUNT_NO}`, { headers: BASIC_AUTH })
    ).text();
    expect(page).toMatch(/the provider(&#39;|&#x27;|')s events from [^;]+, its clock/);
    expect(page).toContain('TRX-CB-2');
  });
});
