import { ChaosWorld, RunCheck, sleep } from './support/world';
import { seeded } from '../../apps/cli/src/demo/seeded-random';

/** Balance inquiries the simulator received, over every provider. */
export async function balanceRequests(world: ChaosWorld): Promise<number> {
  const stats = await world.simulatorStats();
  return Object.values(stats.providers).reduce((n, p) => n + p.byKind.balance.requests, 0);
}

/** Waits (a few seconds at most) until no job is waiting or active: the run's last moves. */
export async function settledQueues(world: ChaosWorld): Promise<Record<string, number>> {
  let stuck = await world.stuckJobs();
  for (let i = 0; i < 50 && Object.keys(stuck).length > 0; i++) {
    await sleep(100);
    stuck = await world.stuckJobs();
  }
  return stuck;
}

/** The checks every chaos run must pass: finished, each account one final result, nothing stuck. */
export function expectWhole(
  check: RunCheck,
  stuck: Record<string, number>,
  statuses: Record<string, number>,
): void {
  expect({
    runStatus: check.runStatus,
    lost: check.lost,
    duplicated: check.duplicated,
    final: check.final,
    byStatus: check.byStatus,
    stuck,
  }).toEqual({
    runStatus: 'finished',
    lost: 0,
    duplicated: 0,
    final: check.accounts,
    byStatus: statuses,
    stuck: {},
  });
}

/**
 * Worker killed: a run of `accounts`, the worker SIGKILLed `kills` times at random points
 * (seeded) and started again each time. The run finishes; every account has exactly one
 * result; no job is left waiting or active.
 */
export async function workerKillScenario(
  name: string,
  accounts: number,
  kills: number,
  seed: number,
): Promise<void> {
  const world = await ChaosWorld.create(name, { accounts });
  try {
    const producer = await world.startProducer();
    let worker = await world.startWorker();
    const started = Date.now();
    const runId = await world.startRun(producer.url);
    const random = seeded(seed);
    const points = Array.from({ length: kills }, () => 0.1 + random() * 0.75).sort((a, b) => a - b);
    const killedAt: number[] = [];
    for (const point of points) {
      await world.waitForCompleted(runId, Math.floor(point * accounts));
      const { signal } = await worker.stop('SIGKILL');
      expect(signal).toBe('SIGKILL');
      killedAt.push(await world.completed(runId));
      worker = await world.startWorker();
    }
    await world.waitForRun(runId);
    const seconds = (Date.now() - started) / 1000;
    const stuck = await settledQueues(world);
    const check = await world.check(runId);
    const requests = await balanceRequests(world);
    await world.recordWithLeakScan({
      accounts,
      faultsInjected: `${kills} × SIGKILL of the worker (seed ${seed}) after ${killedAt.join(', ')} accounts done`,
      retries: requests - accounts,
      results: check.results,
      lost: check.lost,
      duplicated: check.duplicated,
      stuckJobs: stuck,
      seconds,
    });
    expectWhole(check, stuck, { matched: accounts });
    // A killed job is asked again at most once per kill, never more than the attempts allow.
    expect(check.maxAttempts).toBeLessThanOrEqual(5);
  } finally {
    await world.close();
  }
}

/**
 * Graceful stop: SIGTERM to the worker mid-run. It exits by itself, having finished its
 * in-flight jobs (none is left active); a new worker finishes the run with nothing lost or
 * doubled.
 */
export async function sigtermScenario(name: string, accounts: number): Promise<void> {
  // Latency keeps jobs in flight when the signal comes.
  const world = await ChaosWorld.create(name, { accounts, simulator: { latencyMs: 50 } });
  try {
    const producer = await world.startProducer();
    const worker = await world.startWorker();
    const started = Date.now();
    const runId = await world.startRun(producer.url);
    await world.waitForCompleted(runId, Math.floor(accounts * 0.3));
    const before = await world.completed(runId);
    const stopStarted = Date.now();
    const exit = await worker.stop('SIGTERM', 60_000);
    const stopMs = Date.now() - stopStarted;
    const atStop = await world.completed(runId);
    // Exited by itself (Nest re-raises the signal after its shutdown hooks), not killed.
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    const stuckAtStop = await world.stuckJobs();
    // Nothing in flight was abandoned: no job is still active.
    expect(Object.keys(stuckAtStop).filter((k) => k.endsWith(':active'))).toEqual([]);
    await world.startWorker();
    await world.waitForRun(runId);
    const seconds = (Date.now() - started) / 1000;
    const stuck = await settledQueues(world);
    const check = await world.check(runId);
    const requests = await balanceRequests(world);
    await world.recordWithLeakScan({
      accounts,
      faultsInjected: `SIGTERM to the worker after ${before} accounts done; it drained and exited in ${stopMs} ms with ${atStop} done`,
      retries: requests - accounts,
      results: check.results,
      lost: check.lost,
      duplicated: check.duplicated,
      stuckJobs: stuck,
      seconds,
    });
    expectWhole(check, stuck, { matched: accounts });
    // In-flight jobs finished (or went back untouched): no account was asked twice.
    expect(requests).toBe(accounts);
  } finally {
    await world.close();
  }
}
