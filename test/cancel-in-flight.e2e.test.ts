import { loadRunReport, RunsService } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import { oneEntryAccount } from './support/one-entry-account';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const LEDGER = 10_000_000n; // 100,000.00 IDR
const OFF_BY = 150_000n; // 1,500.00 IDR
const ACCOUNTS = ['NZCANCEL1', 'NZCANCEL2', 'NZCANCEL3'];

/**
 * A run cancelled while its jobs are at the provider: the jobs finish, their results are not
 * saved (the cancel has summed the run up), and each says so in the log with what it found,
 * so a break learned after the cancel is not lost without a trace.
 */
describe('a run cancelled while its jobs are in flight (pipeline over HTTP)', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(testConfig(), {
      scenario: ACCOUNTS.map((accountNo) =>
        oneEntryAccount({
          provider: 'netzme',
          accountNo,
          ledger: LEDGER,
          simulated: { balance: formatAmount(LEDGER + OFF_BY), latencyMs: 1_500 },
          postedAgoMs: 7_200_000,
        }),
      ),
    });
  }, 90_000);
  afterAll(() => pipeline.close());

  it('each job in flight logs its result as not saved, with its status and difference; nothing is saved', async () => {
    const runs = pipeline.producer.get(RunsService);
    const started = await runs.start('api');
    const netzme = pipeline.queues()[0];
    for (let i = 0; i < 100 && (await netzme.getActiveCount()) < ACCOUNTS.length; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await netzme.getActiveCount()).toBe(ACCOUNTS.length);
    expect(await runs.cancel(started.runId, 'test')).toMatchObject({ cancelled: true });
    for (let i = 0; i < 200 && (await netzme.getActiveCount()) > 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    const notSaved = pipeline.logs.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => String(l.msg).startsWith('result not saved'));
    expect(notSaved).toHaveLength(ACCOUNTS.length);
    for (const line of notSaved)
      expect(line).toMatchObject({
        level: 30,
        runId: started.runId,
        provider: 'netzme',
        // A first look at a difference: it would have been checked again.
        status: 'timing',
        difference: OFF_BY.toString(),
      });
    expect(new Set(notSaved.map((l) => l.accountId)).size).toBe(ACCOUNTS.length);
    const report = (await loadRunReport(pipeline.db.dataSource, started.runId))!;
    expect(report.run.status).toBe('cancelled');
    expect(report.results).toEqual([]);
  }, 60_000);
});
