import { accountKeyText } from '@app/ledger';
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

/** Seconds after the run started of each of the run's results, with its status and account. */
async function resultsOf(pipeline: Pipeline, runId: string) {
  const rows: { status: string; account_no: string; after_ms: number }[] =
    await pipeline.db.dataSource.query(
      `SELECT r.status, a.account_no, extract(epoch FROM r.checked_at - run.started_at) * 1000 AS after_ms
         FROM reconciliation_results r
         JOIN reconciliation_runs run ON run.id = r.run_id
         JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1`,
      [runId],
    );
  return rows.map((r) => ({ ...r, after_ms: Number(r.after_ms) }));
}

/** Waits until `count` results of the run are saved (or 20 s), and returns them. */
async function waitForResults(pipeline: Pipeline, runId: string, count: number) {
  const deadline = Date.now() + 20_000;
  let rows = await resultsOf(pipeline, runId);
  while (rows.length < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    rows = await resultsOf(pipeline, runId);
  }
  return rows;
}

/**
 * In the describe it is called in: a pipeline of Finnet merchant 0, answering `faults` first
 * and queued first, then {@link HEALTHY} merchants answering right; 2 jobs at a time.
 */
function finnetWorld(faults: { kind: string }[]) {
  const config = testConfig({ WORKER_CONCURRENCY: '2', RATE_LIMIT_PAUSE_MS: String(PAUSE_MS) });
  const world = {
    scenario: [finnet(0, faults), ...Array.from({ length: HEALTHY }, (_, i) => finnet(i + 1, []))],
    pipeline: undefined as unknown as Pipeline,
  };
  beforeAll(async () => {
    world.pipeline = await startPipeline(config, { scenario: world.scenario });
  }, 60_000);
  afterAll(async () => {
    await world.pipeline?.close();
  });
  return world;
}

/**
 * Finnet knows each merchant by credentials of its own (its X-PARTNERID), so its `4031104
 * Activity count limit exceeded` (its table, row 8), a SNAP answer to that partner, is that
 * merchant's limit: only that merchant's job waits. A pause of the whole Finnet queue (what a
 * shared-credential provider gets) would hold every other merchant behind it, a pause at each
 * of its answers. A 429, with a SNAP code (429xx00: PROTOCOL.md §4 "rate limit the provider")
 * or a gateway's page, is the provider's rate: the whole queue waits then.
 */
describe('a rate limit of one Finnet merchant', () => {
  const world = finnetWorld([{ kind: '403xx04' }]);

  it(`holds only that merchant: the ${HEALTHY} others are reconciled within one pause (${PAUSE_MS} ms), 2 at a time`, async () => {
    const { runId } = await world.pipeline.producer.get(RunsService).start('api');
    const rows = await waitForResults(world.pipeline, runId, HEALTHY);
    expect(rows.map((r) => r.status)).toEqual(Array(HEALTHY).fill('matched'));
    expect(Math.max(...rows.map((r) => r.after_ms))).toBeLessThan(PAUSE_MS);
    // The merchant at its limit was answered 4031104 and is still waiting: no result, its job
    // delayed (not failed).
    const codes = world.pipeline.simulator.stats().providers.finnet.byKind.balance.byCode;
    expect(codes['4031104']).toBeGreaterThanOrEqual(1);
    expect(rows.map((r) => r.account_no)).not.toContain('FINNETQ0');
    const finnetQueue = world.pipeline.queues().find((q) => q.name.endsWith('finnet'))!;
    const delayed = await finnetQueue.getJobs(['delayed']);
    expect(delayed.map((j) => (j.data as { accountId: string }).accountId)).toEqual([
      world.pipeline.accountIds.get(accountKeyText(world.scenario[0])),
    ]);
  }, 30_000);
});

describe.each([
  {
    what: 'a gateway 429 (an HTML page, no SNAP code)',
    fault: {
      kind: 'raw',
      status: 429,
      contentType: 'text/html',
      body: '<html><body>429 Too Many Requests</body></html>',
      times: 1,
    },
  },
  // PROTOCOL.md §4: 429xx00 "too many requests: rate limit the provider".
  { what: 'a SNAP 4291100 Too Many Requests', fault: { kind: '429', times: 1 } },
])('$what from Finnet', ({ fault }) => {
  const world = finnetWorld([fault]);

  it('holds the whole Finnet queue for one pause (the provider’s rate): the merchants after it wait too', async () => {
    const { runId } = await world.pipeline.producer.get(RunsService).start('api');
    const rows = await waitForResults(world.pipeline, runId, HEALTHY + 1);
    expect(rows.map((r) => r.status)).toEqual(Array(HEALTHY + 1).fill('matched'));
    // At most the one job already running beside it finishes before the pause ends.
    const afterPause = rows.filter((r) => r.after_ms >= PAUSE_MS - 100);
    expect(afterPause.length).toBeGreaterThanOrEqual(HEALTHY - 1);
  }, 30_000);
});
