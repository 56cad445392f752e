import { accountKeyText } from '@app/ledger';
import type { Job, Queue } from 'bullmq';
import { JOB, balanceQueueName, BalanceInquiryJobData } from '@app/queue';
import { RunsService } from '@app/reconciliation';
import { buildScenario } from '../../apps/cli/src/demo/demo-scenario';
import { startPipeline, Pipeline } from '../support/pipeline';
import { testConfig } from '../support/test-config';

/**
 * A balance-inquiry job the producer did not make (added straight to Redis or through Bull
 * Board) is refused by the worker: logged, completed without a result, the run untouched.
 * Real simulator, worker, Postgres and Redis.
 */
describe('worker refuses forged balance-inquiry jobs', () => {
  let pipeline: Pipeline;
  const scenario = buildScenario(9, new Date()); // three accounts per provider

  beforeAll(async () => {
    pipeline = await startPipeline(
      testConfig({ RECON_RECHECK_DELAY_MS: '200', JOB_BACKOFF_MS: '50' }),
      {
        scenario,
        startWorker: false,
      },
    );
  }, 60_000);
  afterAll(async () => {
    await pipeline?.close();
  });

  const queueOf = (provider: string): Queue =>
    pipeline.queues().find((q) => q.name === balanceQueueName(provider as never))!;
  const idOf = (provider: string) =>
    pipeline.accountIds.get(accountKeyText(scenario.find((a) => a.provider === provider)!))!;
  const results = async (runId: string, accountId: string) =>
    Number(
      (
        await pipeline.db.dataSource.query(
          `SELECT count(*) AS n FROM reconciliation_results WHERE run_id = $1 AND account_id = $2`,
          [runId, accountId],
        )
      )[0].n,
    );
  async function finished({ job, queue }: { job: Job; queue: Queue }): Promise<unknown> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') {
        const fresh = (await queue.getJob(job.id!)) as Job;
        return { state, returnvalue: fresh.returnvalue };
      }
      if (Date.now() > deadline) throw new Error(`job ${job.id} still ${state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** Adds a job straight to `provider`'s queue, as Redis or Bull Board could. */
  const forge = async (provider: string, data: Partial<BalanceInquiryJobData>) => {
    const queue = queueOf(provider);
    const job = await queue.add(JOB.balanceInquiry, {
      provider,
      stage: 'first',
      ...data,
    } as BalanceInquiryJobData);
    return { job, queue };
  };

  it('refuses an account that is not in its running run: no result, the run counts only its own accounts', async () => {
    // The worker is stopped: the run is running while the forged job waits beside its jobs.
    const runs = pipeline.producer.get(RunsService);
    const { runId, accountCount } = await runs.start('api', { provider: 'netzme' });
    expect(accountCount).toBe(3);
    const forged = await forge('nicepay', { runId, accountId: idOf('nicepay') });
    await pipeline.startWorker();
    const run = await pipeline.waitForRun(runId);
    expect(await finished(forged)).toEqual({
      state: 'completed',
      returnvalue: {
        kind: 'refused',
        reason: `account ${idOf('nicepay')} is not one of run ${runId}'s accounts`,
      },
    });
    expect({ accountCount: run.accountCount, completedCount: run.completedCount }).toEqual({
      accountCount: 3,
      completedCount: 3,
    });
    expect(await results(runId, idOf('nicepay'))).toBe(0);
    const refusal = pipeline.logs.lines
      .map((l) => JSON.parse(l) as { msg: string; reason?: string; level: number })
      .find((l) => l.msg === 'job refused: not a job of a running run');
    expect(refusal).toMatchObject({ level: 40, reason: expect.stringContaining('is not one of') });
  }, 60_000);

  it('refuses a job for a finished run, even for one of its own accounts (the issue: 101 of 100)', async () => {
    const runs = pipeline.producer.get(RunsService);
    const { runId } = await runs.start('api', { provider: 'netzme' });
    const before = await pipeline.waitForRun(runId);
    expect(before.status).toBe('finished');
    const forgedOwn = await forge('netzme', { runId, accountId: idOf('netzme') });
    const forgedOther = await forge('nicepay', { runId, accountId: idOf('nicepay') });
    expect(await finished(forgedOwn)).toMatchObject({
      state: 'completed',
      returnvalue: { kind: 'refused', reason: `run ${runId} is finished, not running` },
    });
    expect(await finished(forgedOther)).toMatchObject({ returnvalue: { kind: 'refused' } });
    const after = await pipeline.waitForRun(runId);
    expect(after).toEqual(before);
    expect(await results(runId, idOf('nicepay'))).toBe(0);
  }, 60_000);

  it('refuses a job on another provider’s queue and one naming a run that does not exist', async () => {
    const onWrongQueue = await forge('finnet', {
      runId: '1',
      accountId: idOf('netzme'),
      provider: 'netzme',
    });
    const noRun = await forge('netzme', { runId: '999999', accountId: idOf('netzme') });
    expect(await finished(onWrongQueue)).toMatchObject({
      returnvalue: {
        kind: 'refused',
        reason: 'the job names provider netzme but is on the finnet queue',
      },
    });
    expect(await finished(noRun)).toMatchObject({
      returnvalue: { kind: 'refused', reason: 'run 999999 does not exist' },
    });
  }, 60_000);
});
