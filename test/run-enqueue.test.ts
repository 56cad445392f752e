import { RunsService } from '@app/reconciliation';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

/** Run creation and enqueueing, with no worker consuming the jobs. */
describe('run creation and enqueueing', () => {
  const config = testConfig();
  let pipeline: Pipeline;
  let runs: RunsService;

  beforeAll(async () => {
    pipeline = await startPipeline(config, { accountCount: 45, startWorker: false });
    runs = pipeline.producer.get(RunsService);
  }, 60_000);
  afterAll(() => pipeline.close());

  const waiting = async () => {
    const counts = await Promise.all(pipeline.queues().map((q) => q.getWaitingCount()));
    return counts.reduce((a, b) => a + b, 0);
  };

  it('enqueues one job per enabled account, and a repeated enqueue adds none', async () => {
    await pipeline.db.dataSource.query(
      `UPDATE provider_accounts SET enabled = false WHERE account_no = 'NZ00001'`,
    );
    const run = await runs.start('api');
    expect(run.accountCount).toBe(44);
    expect(await waiting()).toBe(44);
    expect(await runs.enqueue(run.runId)).toBe(44);
    expect(await runs.enqueue(run.runId)).toBe(44);
    expect(await waiting()).toBe(44);
    for (const q of pipeline.queues()) await q.drain();
  });

  it('narrows a run to one provider or one merchant', async () => {
    const byProvider = await runs.start('cli', { provider: 'nicepay' });
    expect(byProvider.accountCount).toBe(
      pipeline.scenario.filter((a) => a.provider === 'nicepay').length,
    );
    expect(byProvider.accountCount).toBeGreaterThan(10);
    const byMerchant = await runs.start('cli', { merchantId: 'M00002' });
    expect(byMerchant.accountCount).toBe(1);
    for (const q of pipeline.queues()) await q.drain();
  });

  it('creates one run for one schedule tick, however many producers fire it', async () => {
    const [a, b] = await Promise.all([
      runs.start('schedule', {}, 'tick-1'),
      runs.start('schedule', {}, 'tick-1'),
    ]);
    expect(a.runId).toBe(b.runId);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const [{ n }] = await pipeline.db.dataSource.query(
      `SELECT count(*) AS n FROM reconciliation_runs WHERE schedule_key = 'tick-1'`,
    );
    expect(n).toBe('1');
  });

  it('finishes a run with no account at once', async () => {
    const run = await runs.start('api', { merchantId: 'no-such-merchant' });
    expect(run.accountCount).toBe(0);
    expect((await pipeline.waitForRun(run.runId, 1000)).status).toBe('finished');
  });
});
