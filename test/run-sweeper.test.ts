import { accountKeyText } from '@app/ledger';
import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { providerKeyPrefix, queuePrefix } from '@app/infra';
import { balanceJobId, balanceQueueName } from '@app/queue';
import { RunsService } from '@app/reconciliation';
import { breakerKey, ProviderCircuitBreaker } from '@app/snap';
import { RunSweeper } from '../apps/worker/src/run-sweeper';
import { Pipeline, startPipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

/**
 * The worker's run sweeper, deterministically: jobs lost from Redis, and jobs that failed
 * without writing a result (what a Postgres outage on a job's last attempt, or too many
 * stalls after worker kills, leaves behind) still end with one result each and the run
 * finishes. The chaos suite shows the same under real outages.
 */
describe('run sweeper', () => {
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
    connection?.disconnect();
    await pipeline?.close();
  });

  /** Takes the next job of the provider's queue as a worker would, and fails it without a result. */
  async function failWithoutResult(provider: 'nicepay', reason: string, sweeps = 0) {
    const queue = pipeline.queues().find((q) => q.name === balanceQueueName(provider))!;
    const grabber = new Worker(queue.name, null, {
      connection,
      prefix: queuePrefix(config),
      autorun: false,
    });
    try {
      const token = randomUUID();
      const job = (await grabber.getNextJob(token, { block: false }))!;
      await job.updateData({ ...job.data, sweeps });
      job.discard();
      await job.moveToFailed(new Error(reason), token);
      expect(await queue.getJobState(job.id!)).toBe('failed');
      const { accountNo } = pipeline.scenario.find(
        (a) => pipeline.accountIds.get(accountKeyText(a)) === job.data.accountId,
      )!;
      return { queue, jobId: job.id!, accountNo };
    } finally {
      await grabber.close();
    }
  }

  it('re-enqueues a lost job, puts back a job failed without a result, closes one that failed too often; the run finishes', async () => {
    const runId = (await pipeline.producer.get(RunsService).start('cli')).runId;
    // A job lost from Redis (its data gone with a Redis that kept none).
    const lostAccount = pipeline.scenario.find(
      (a) => a.provider === 'netzme' && a.kind === 'matched',
    )!;
    const lostQueue = pipeline
      .queues()
      .find((q) => q.name === balanceQueueName(lostAccount.provider))!;
    await (await lostQueue.getJob(
      balanceJobId(runId, pipeline.accountIds.get(accountKeyText(lostAccount))!),
    ))!.remove();
    // A job whose last attempt met Postgres down: failed, no result.
    const failed = await failWithoutResult('nicepay', 'Connection terminated unexpectedly');
    // A job that already failed without a result three times.
    const hopeless = await failWithoutResult('nicepay', 'job stalled more than allowable limit', 3);

    const worker = await pipeline.startWorker();
    const outcome = await worker.get(RunSweeper).sweep();
    expect(outcome).toEqual({ runs: 1, reenqueued: 1, retried: 1, closed: 1, unavailable: 0 });
    expect(
      pipeline.logs.lines.filter((l) => l.includes('re-enqueued accounts whose job was missing')),
    ).toHaveLength(1);
    expect(['waiting', 'active', 'completed']).toContain(
      await failed.queue.getJobState(failed.jobId),
    );
    const run = await pipeline.waitForRun(runId, 60_000);
    expect(run.status).toBe('finished');

    const rows: { account_no: string; status: string; error_message: string | null; n: string }[] =
      await pipeline.db.dataSource.query(
        `SELECT a.account_no, r.status, r.error_message, count(*) OVER (PARTITION BY r.account_id) AS n
           FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id WHERE r.run_id = $1`,
        [runId],
      );
    expect(rows).toHaveLength(pipeline.scenario.length);
    expect(rows.filter((r) => r.n !== '1')).toEqual([]);
    const of = (accountNo: string) => rows.find((r) => r.account_no === accountNo)!;
    expect(of(lostAccount.accountNo).status).toBe('matched');
    const expected = (accountNo: string) =>
      pipeline.scenario.find((a) => a.accountNo === accountNo)!.expected.status;
    expect(of(failed.accountNo).status).toBe(expected(failed.accountNo));
    expect(of(hopeless.accountNo)).toMatchObject({
      status: 'error',
      error_message:
        'no result after 4 failed deliveries of the job: job stalled more than allowable limit',
    });
    // Nothing left for a second sweep.
    expect(await worker.get(RunSweeper).sweep()).toEqual({
      runs: 0,
      reenqueued: 0,
      retried: 0,
      closed: 0,
      unavailable: 0,
    });
  }, 90_000);

  it('finalizes a run whose accounts are all counted when its finalizing statement was lost', async () => {
    await pipeline.stopWorker();
    const runId = (await pipeline.producer.get(RunsService).start('cli')).runId;
    for (const q of pipeline.queues()) await q.drain(true);
    await pipeline.db.dataSource.query(
      `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, attempts)
       SELECT $1, unnest(account_ids), 'matched', true, 1 FROM reconciliation_runs WHERE id = $1`,
      [runId],
    );
    await pipeline.db.dataSource.query(
      `UPDATE reconciliation_runs SET completed_count = account_count WHERE id = $1`,
      [runId],
    );
    const worker = await pipeline.startWorker();
    await worker.get(RunSweeper).sweep();
    const run = await pipeline.waitForRun(runId, 1000);
    expect(run).toMatchObject({ status: 'finished', completedCount: pipeline.scenario.length });
    expect(run.counts.matched).toBe(pipeline.scenario.length);
  });

  it('closes the accounts of a provider still down at the run deadline as unavailable, saying since when; the run finishes', async () => {
    await pipeline.stopWorker();
    const runId = (await pipeline.producer.get(RunsService).start('cli')).runId;
    for (const q of pipeline.queues()) await q.drain(true);
    // Every account but NICEPay's answered; NICEPay's breaker is open (three failures).
    await pipeline.db.dataSource.query(
      `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, attempts)
       SELECT $1, a.id, 'matched', true, 1
         FROM reconciliation_runs r JOIN provider_accounts a ON a.id = ANY (r.account_ids)
        WHERE r.id = $1 AND a.provider <> 'nicepay'`,
      [runId],
    );
    await pipeline.db.dataSource.query(
      `UPDATE reconciliation_runs
          SET completed_count = (SELECT count(*) FROM reconciliation_results WHERE run_id = $1)
        WHERE id = $1`,
      [runId],
    );
    const breaker = new ProviderCircuitBreaker(connection, (p) => providerKeyPrefix(config, p), {
      failureThreshold: 3,
      probeIntervalMs: 60_000,
    });
    for (let i = 0; i < 3; i++) await breaker.failed('nicepay', 'nicepay: HTTP 503');
    const nicepay = pipeline.scenario.filter((a) => a.provider === 'nicepay').length;
    const worker = await pipeline.startWorker();
    // Before the deadline nothing is closed.
    expect((await worker.get(RunSweeper).sweep()).unavailable).toBe(0);
    await pipeline.db.dataSource.query(
      `UPDATE reconciliation_runs SET started_at = now() - interval '2 hours' WHERE id = $1`,
      [runId],
    );
    expect((await worker.get(RunSweeper).sweep()).unavailable).toBe(nicepay);
    const run = await pipeline.waitForRun(runId, 1000);
    expect(run).toMatchObject({ status: 'finished' });
    expect(run.counts.unavailable).toBe(nicepay);
    // Announced by the sweep that finished it (announced by no one before; found by a reviewer),
    // not a minute later as a run whose announcement was lost.
    await worker.get(RunSweeper).sweep();
    const [{ announced_at }] = await pipeline.db.dataSource.query(
      `SELECT announced_at FROM reconciliation_runs WHERE id = $1`,
      [runId],
    );
    expect(announced_at).toBeInstanceOf(Date);
    const messages: { error_message: string }[] = await pipeline.db.dataSource.query(
      `SELECT DISTINCT error_message FROM reconciliation_results WHERE run_id = $1 AND status = 'unavailable'`,
      [runId],
    );
    expect(messages.map((m) => m.error_message)).toEqual([
      expect.stringMatching(/^NICEPay unavailable since \d{4}-.*: nicepay: HTTP 503$/),
    ]);
    await connection.del(breakerKey((p) => providerKeyPrefix(config, p), 'nicepay'));
  });
});
