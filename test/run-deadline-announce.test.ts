import IORedis from 'ioredis';
import { providerKeyPrefix } from '@app/infra';
import { RunsService } from '@app/reconciliation';
import { breakerKey, ProviderCircuitBreaker } from '@app/snap';
import { RunSweeper } from '../apps/worker/src/run-sweeper';
import { Pipeline, startPipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

/**
 * A run the sweeper itself finishes at its deadline (accounts of a provider still down closed
 * as `unavailable`) is announced at once, as every other finish is; it was announced by no one
 * (found by a reviewer; a late announcement a minute later then covered it).
 */
describe('a run finished by the deadline sweep', () => {
  const config = testConfig({
    JOB_BACKOFF_MS: '50',
    RECON_RECHECK_DELAY_MS: '200',
    WORKER_SWEEP_INTERVAL_MS: '0',
  });
  let pipeline: Pipeline;
  let connection: IORedis;

  beforeAll(async () => {
    pipeline = await startPipeline(config, { accountCount: 30, startWorker: false });
    connection = new IORedis(config.REDIS_URL, { maxRetriesPerRequest: null });
  }, 60_000);
  afterAll(async () => {
    await connection.del(breakerKey((p) => providerKeyPrefix(config, p), 'nicepay'));
    connection?.disconnect();
    await pipeline?.close();
  });

  it('is announced (announced_at set) by the sweep that finished it, not a minute later as a "lost" one', async () => {
    const runId = (await pipeline.producer.get(RunsService).start('cli')).runId;
    for (const q of pipeline.queues()) await q.drain(true);
    await pipeline.db.dataSource.query(
      `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, attempts)
       SELECT $1, a.id, 'matched', true, 1
         FROM reconciliation_runs r JOIN provider_accounts a ON a.id = ANY (r.account_ids)
        WHERE r.id = $1 AND a.provider <> 'nicepay'`,
      [runId],
    );
    await pipeline.db.dataSource.query(
      `UPDATE reconciliation_runs
          SET completed_count = (SELECT count(*) FROM reconciliation_results WHERE run_id = $1),
              started_at = now() - interval '2 hours'
        WHERE id = $1`,
      [runId],
    );
    const breaker = new ProviderCircuitBreaker(connection, (p) => providerKeyPrefix(config, p), {
      failureThreshold: 3,
      probeIntervalMs: 60_000,
    });
    for (let i = 0; i < 3; i++) await breaker.failed('nicepay', 'nicepay: HTTP 503');
    const worker = await pipeline.startWorker();
    expect((await worker.get(RunSweeper).sweep()).unavailable).toBeGreaterThan(0);
    const run = await pipeline.waitForRun(runId, 1000);
    expect(run).toMatchObject({ status: 'finished' });
    // A second sweep right after (as another worker's would be).
    await worker.get(RunSweeper).sweep();
    const [{ announced_at }] = await pipeline.db.dataSource.query(
      `SELECT announced_at FROM reconciliation_runs WHERE id = $1`,
      [runId],
    );
    expect(announced_at).toBeInstanceOf(Date);
  });
});
