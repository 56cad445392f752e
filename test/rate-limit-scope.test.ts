import { RunsService } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const PAUSE_MS = 3_000;
const HEALTHY = 10;

function finnet(n: number, faults: { kind: string }[]): ScenarioAccount {
  const accountNo = `FINNETQ${n}`;
  return {
    merchantId: `Q${n}`,
    merchantName: `Quota ${n}`,
    provider: 'finnet',
    accountNo,
    credentialSet: accountNo,
    ledger: [{ entryRef: `Q${n}-1`, amount: 100_000n, postedAt: new Date(Date.now() - 3_600_000) }],
    simulated: { balance: formatAmount(100_000n), faults: faults as never },
    kind: 'matched',
    expected: { status: 'matched', difference: 0n, attempts: 1 },
  };
}

/**
 * Finnet knows each merchant by credentials of its own, so its `4031104 Activity count limit
 * exceeded` (its table, row 8) is that merchant's limit: only that merchant's job waits. A
 * pause of the whole Finnet queue (what a shared-credential provider gets) would hold every
 * other merchant behind it, a pause at each of its answers.
 */
describe('a rate limit of one Finnet merchant', () => {
  const config = testConfig({ WORKER_CONCURRENCY: '2', RATE_LIMIT_PAUSE_MS: String(PAUSE_MS) });
  // The merchant at its limit is queued first.
  const scenario = [
    finnet(0, [{ kind: '403xx04' }]),
    ...Array.from({ length: HEALTHY }, (_, i) => finnet(i + 1, [])),
  ];
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline(config, { scenario });
  }, 60_000);
  afterAll(async () => {
    await pipeline.close();
  });

  it(`holds only that merchant: the ${HEALTHY} others are reconciled within one pause (${PAUSE_MS} ms), 2 at a time`, async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    const deadline = Date.now() + 20_000;
    let rows: { status: string; after_ms: number }[] = [];
    while (rows.length < HEALTHY && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await pipeline.db.dataSource.query(
        `SELECT r.status, extract(epoch FROM r.checked_at - run.started_at) * 1000 AS after_ms
           FROM reconciliation_results r JOIN reconciliation_runs run ON run.id = r.run_id
          WHERE r.run_id = $1`,
        [runId],
      );
    }
    expect(rows.map((r) => r.status)).toEqual(Array(HEALTHY).fill('matched'));
    expect(Math.max(...rows.map((r) => Number(r.after_ms)))).toBeLessThan(PAUSE_MS);
    // The merchant at its limit was answered 4031104 and is still waiting, not failed.
    const codes = pipeline.simulator.stats().providers.finnet.byKind.balance.byCode;
    expect(codes['4031104']).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
