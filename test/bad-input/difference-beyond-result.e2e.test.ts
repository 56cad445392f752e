import { MAX_LEDGER_BALANCE } from '@app/ledger';
import { loadRunReport, RunsService } from '@app/reconciliation';
import { oneEntryAccount } from '../support/one-entry-account';
import { startPipeline, Pipeline } from '../support/pipeline';
import { testConfig } from '../support/test-config';

/**
 * A ledger balance so far below zero that the provider's balance minus it exceeds what a
 * result can hold (Postgres bigint): one final `error` naming both balances, on the first
 * attempt. It was a raw "value … is out of range for type bigint" after five attempts (found
 * by a new-user tester). The run finishes.
 */
describe('a difference beyond what a result can hold (pipeline over HTTP)', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(testConfig({ JOB_BACKOFF_MS: '50' }), {
      scenario: [
        oneEntryAccount({
          provider: 'netzme',
          accountNo: 'NZHUGE',
          ledger: -MAX_LEDGER_BALANCE,
          simulated: { balance: '1000.00' },
        }),
      ],
    });
  }, 90_000);
  afterAll(() => pipeline.close());

  it('is one final error naming both balances, not retried', async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    const run = await pipeline.waitForRun(runId, 30_000);
    expect(run.status).toBe('finished');
    const [result] = (await loadRunReport(pipeline.db.dataSource, runId))!.results;
    expect(result).toMatchObject({ status: 'error', attempts: 1 });
    expect(result.error).toBe(
      "the provider's balance 1000.00 and the ledger's -92233720368547758.07 differ by more than a result can hold (±92233720368547758.07): check the account's ledger entries",
    );
  }, 60_000);
});
