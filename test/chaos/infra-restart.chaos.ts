import { basicAuth, ChaosWorld, sleep } from './support/world';
import { balanceRequests, expectWhole, settledQueues } from './scenarios';

const ACCOUNTS = 3_000;
const OUTAGE_MS = 3_000;

/** `GET /health` of the producer answers 200 again within the time. */
async function producerHealthy(url: string, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const ok = await fetch(`${url}/health`, { headers: { authorization: basicAuth() } }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`producer not healthy after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * Redis or Postgres restarted mid-run (a private instance: the machine's are never touched).
 * The worker and producer reconnect by themselves, the run finishes, every account has one
 * result: an outage may cost retries, never results.
 */
describe('chaos: infrastructure restarts', () => {
  it(`Redis restarted mid-run (${OUTAGE_MS / 1000} s down) with ${ACCOUNTS} accounts: worker and producer reconnect, the run finishes, nothing lost or doubled`, async () => {
    // Latency keeps work in flight across the outage.
    const world = await ChaosWorld.create('redis-restart', {
      accounts: ACCOUNTS,
      simulator: { latencyMs: 20 },
    });
    try {
      const producer = await world.startProducer();
      const worker = await world.startWorker();
      const started = Date.now();
      const runId = await world.startRun(producer.url);
      const at = await world.waitForCompleted(runId, Math.floor(ACCOUNTS * 0.3));
      await world.redis.down();
      await sleep(OUTAGE_MS);
      await world.redis.up();
      const healthyAfterMs = await producerHealthy(producer.url);
      await world.waitForRun(runId);
      const seconds = (Date.now() - started) / 1000;
      const stuck = await settledQueues(world);
      const check = await world.check(runId);
      const requests = await balanceRequests(world);
      await world.recordWithLeakScan({
        accounts: ACCOUNTS,
        faultsInjected: `Redis stopped (SIGTERM) after ${at} accounts done, restarted ${OUTAGE_MS} ms later (append-only file kept)`,
        retries: requests - ACCOUNTS,
        results: check.results,
        lost: check.lost,
        duplicated: check.duplicated,
        producerHealthyAfterMs: healthyAfterMs,
        workerRestarted: false,
        stuckJobs: stuck,
        seconds,
      });
      expectWhole(check, stuck, { matched: ACCOUNTS });
      // The same worker process finished the run: it reconnected by itself.
      expect(worker.running).toBe(true);
      expect(producer.proc.running).toBe(true);
    } finally {
      await world.close();
    }
  }, 300_000);

  it(`Postgres restarted mid-run (${OUTAGE_MS / 1000} s down) with ${ACCOUNTS} accounts: worker and producer reconnect, the run finishes, nothing lost or doubled`, async () => {
    const world = await ChaosWorld.create('postgres-restart', {
      accounts: ACCOUNTS,
      privatePostgres: true,
      simulator: { latencyMs: 20 },
      // Short backoff: the outage outlasts every attempt of some jobs, so the sweeper is needed.
      env: { JOB_BACKOFF_MS: '100', JOB_ATTEMPTS: '3' },
    });
    try {
      const producer = await world.startProducer();
      const worker = await world.startWorker();
      const started = Date.now();
      const runId = await world.startRun(producer.url);
      const at = await world.waitForCompleted(runId, Math.floor(ACCOUNTS * 0.3));
      await world.postgres!.down();
      await sleep(OUTAGE_MS);
      await world.postgres!.up();
      const healthyAfterMs = await producerHealthy(producer.url);
      await world.waitForRun(runId);
      const seconds = (Date.now() - started) / 1000;
      const stuck = await settledQueues(world);
      const check = await world.check(runId);
      const requests = await balanceRequests(world);
      const swept = world.workerLines(/put back in the queue/).length;
      await world.recordWithLeakScan({
        accounts: ACCOUNTS,
        faultsInjected: `Postgres stopped (fast shutdown) after ${at} accounts done, restarted ${OUTAGE_MS} ms later`,
        retries: requests - ACCOUNTS,
        jobsPutBackBySweeper: swept,
        results: check.results,
        lost: check.lost,
        duplicated: check.duplicated,
        producerHealthyAfterMs: healthyAfterMs,
        stuckJobs: stuck,
        seconds,
      });
      expectWhole(check, stuck, { matched: ACCOUNTS });
      expect(worker.running).toBe(true);
      expect(producer.proc.running).toBe(true);
    } finally {
      await world.close();
    }
  }, 300_000);
});
