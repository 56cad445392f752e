import type { INestApplication } from '@nestjs/common';
import { accountKeyText, appendLedgerEntries } from '@app/ledger';
import { AttributionJson, RunsService } from '@app/reconciliation';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { simulatorAccounts } from '../apps/cli/src/demo/seed-database';
import { BASIC_AUTH, startProducerHttp } from './reports/http';
import { deleteRedisKeys } from './support/redis-cleanup';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

/**
 * A break caused by a ledger entry back-dated before the account's last matched check (a
 * manual adjustment booked after the check, dated before it), pipeline over HTTP against the
 * simulator. The bridge's window starts at that check, by posted_at: the entry that makes the
 * whole difference was never named ("not explained: no unmatched movements; remainder 50.00;
 * provider and ledger differ before the first event", found by a reviewer).
 */
const ACCOUNT_NO = 'NZBACKDATED';
const OPEN = 100_000n; // 1,000.00 on both sides

function account(events: Record<string, unknown>[]): ScenarioAccount {
  return {
    merchantId: 'M-BACKDATED',
    merchantName: 'Merchant backdated',
    provider: 'netzme',
    accountNo: ACCOUNT_NO,
    credentialSet: null,
    ledger: [
      {
        entryRef: 'bd-open',
        amount: OPEN,
        postedAt: new Date(Date.now() - 72 * 3_600_000),
      },
    ],
    simulated: { status: 'approved_v2', history: { opening: '1000.00', events } },
    kind: 'real-break',
    expected: { status: 'mismatched', difference: null, attempts: 1 },
  };
}

describe('attribution: a ledger entry back-dated before the last matched check (pipeline over HTTP)', () => {
  let pipeline: Pipeline;
  let app: INestApplication | undefined;
  let url: string;
  let matchAsOf: Date;
  let attribution: AttributionJson;
  let status: string;
  let difference: string;

  const runOnce = async () => {
    const started = await pipeline.producer.get(RunsService).start('api');
    return (await pipeline.waitForRun(started.runId, 60_000)).id;
  };
  const resultOf = async (runId: string) => {
    const [row]: {
      status: string;
      difference: string;
      as_of: Date;
      attribution: AttributionJson | null;
    }[] = await pipeline.db.dataSource.query(
      `SELECT r.status, r.difference, r.as_of, r.attribution FROM reconciliation_results r
         JOIN provider_accounts a ON a.id = r.account_id
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
    // The check that matches: provider 1000.00 = ledger 1000.00.
    const first = await resultOf(await runOnce());
    expect(first.status).toBe('matched');
    matchAsOf = first.as_of;
    // After it: a -50.00 adjustment booked, dated 30 minutes before that check...
    await appendLedgerEntries(pipeline.db.dataSource, [
      {
        accountId,
        entryRef: 'adj-backdated',
        amount: -5_000n,
        postedAt: new Date(matchAsOf.getTime() - 30 * 60_000),
      },
    ]);
    // ...and a 20.00 credit after the check, on both sides (the provider's trxId).
    const creditAt = new Date(matchAsOf.getTime() + 1_000);
    pipeline.simulator.putAccounts(
      simulatorAccounts([
        account([{ amount: '20.00', side: 'cr', trxId: 'TRX-1', at: creditAt.toISOString() }]),
      ]) as never,
    );
    await appendLedgerEntries(pipeline.db.dataSource, [
      { accountId, entryRef: 'pay-1', amount: 2_000n, postedAt: creditAt, providerRef: 'TRX-1' },
    ]);
    // The next check's provider time (whole seconds) after the credit.
    await new Promise((r) => setTimeout(r, Math.max(0, creditAt.getTime() + 2_000 - Date.now())));
    // Now ledger 970.00, provider 1020.00: +50.00, all of it the adjustment.
    const second = await resultOf(await runOnce());
    status = second.status;
    difference = second.difference;
    attribution = second.attribution!;
    ({ app, url } = await startProducerHttp(pipeline.config));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await pipeline?.close();
    await deleteRedisKeys(pipeline.config.REDIS_URL, pipeline.config.QUEUE_PREFIX);
  });

  it('names the back-dated entry as ledger-only, back-dated: the break is explained, remainder 0', () => {
    expect(status).toBe('mismatched');
    expect(difference).toBe('5000');
    expect(attribution).toMatchObject({
      outcome: 'explained',
      window: {
        from: matchAsOf.toISOString(),
        fromKind: 'last-matched',
        eventsFrom: matchAsOf.toISOString(),
      },
      ledgerBalance: '970.00',
      providerBalance: '1020.00',
      providerOnly: [],
      ledgerOnly: [{ entryRef: 'adj-backdated', amount: '-50.00', backdated: true }],
      ledgerOnlyTotal: '-50.00',
      amountDifferences: [],
      matchedCount: 1,
      remainder: '0.00',
    });
    expect(attribution.ledgerOnly).toHaveLength(1);
    expect(attribution.summary).toBe('explained: 1 back-dated ledger entry -50.00; remainder 0.00');
  });

  it('the account page marks it back-dated', async () => {
    const page = await (
      await fetch(`${url}/ui/accounts/netzme/${ACCOUNT_NO}`, { headers: BASIC_AUTH })
    ).text();
    expect(page).toContain('explained: 1 back-dated ledger entry -Rp\u00a050,00');
    expect(page).toContain('ledger only, back-dated');
    expect(page).toContain('adj-backdated');
  });
});
