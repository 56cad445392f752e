import IORedis from 'ioredis';
import { ChaosWorld, sleep } from './support/world';

const ACCOUNTS = 300;
const TICK_MS = 4_000;
const CHECK_MS = 1_000;

/** Instance numbers a worker process held, in order, from its log lines. */
function instanceNumbers(lines: string[]): number[] {
  const held: number[] = [];
  for (const line of lines) {
    if (line.includes('X-EXTERNAL-ID instance number leased'))
      held.push(Number((JSON.parse(line) as { instanceId: number }).instanceId));
    if (line.includes('X-EXTERNAL-ID instance lease changed'))
      held.push(Number((JSON.parse(line) as { to: number }).to));
  }
  return held;
}

/**
 * Redis wiped empty (FLUSHALL on the private Redis: what a restart without persistence or a
 * failover to an empty replica leaves) while a producer with a schedule and a worker run.
 * Nothing is restarted: the producer re-installs the job scheduler and the next tick makes a
 * run; a second worker started after the wipe cannot get the first one's X-EXTERNAL-ID
 * instance number, and the simulator never sees an id twice (it answers 409xx00 to a repeat).
 */
describe('chaos: empty Redis', () => {
  it(`Redis wiped with a ${TICK_MS / 1000} s schedule and a worker running: the next tick makes a run, a second worker gets its own instance number, no external id repeats`, async () => {
    const world = await ChaosWorld.create('empty-redis', {
      accounts: ACCOUNTS,
      env: {
        SCHEDULE_CRON: `*/${TICK_MS / 1000} * * * * *`,
        SCHEDULE_TIMEZONE: 'Asia/Jakarta',
        SCHEDULE_CHECK_INTERVAL_MS: String(CHECK_MS),
        EXTERNAL_ID_LEASE_TTL_MS: '3000',
      },
    });
    const redis = new IORedis(world.redis.url);
    try {
      const producer = await world.startProducer();
      const first = await world.startWorker();
      const scheduledRuns = async (after: Date) =>
        (await world.ds.query(
          `SELECT id, schedule_key FROM reconciliation_runs WHERE trigger = 'schedule' AND started_at > $1 ORDER BY id`,
          [after],
        )) as { id: string; schedule_key: string }[];
      // A scheduled run before the wipe, finished.
      const t0 = new Date(Date.now() - 1000);
      let before: { id: string }[] = [];
      while (before.length === 0) {
        await sleep(200);
        before = await scheduledRuns(t0);
      }
      await world.waitForRun(before[0].id);

      await redis.flushall();
      const wipedAt = Date.now();
      const second = await world.startWorker();
      let after: { id: string; schedule_key: string }[] = [];
      const deadline = wipedAt + 4 * TICK_MS;
      while (after.length === 0 && Date.now() < deadline) {
        await sleep(100);
        after = await scheduledRuns(new Date(wipedAt));
      }
      expect(after.length).toBeGreaterThan(0);
      const tick = Number(/(\d+)$/.exec(after[0].schedule_key)?.[1]);
      await world.waitForRun(after[0].id);
      const check = await world.check(after[0].id);
      // Let both workers renew their leases at least once after the wipe.
      await sleep(2_000);
      const stats = await world.simulatorStats();
      const duplicateIds = Object.values(stats.providers).reduce(
        (n, p) =>
          n +
          Object.entries(p.byCode)
            .filter(([code]) => code.startsWith('409'))
            .reduce((m, [, k]) => m + k, 0),
        0,
      );
      const firstHeld = instanceNumbers(first.lines);
      const secondHeld = instanceNumbers(second.lines);
      const reinstalled = producer.proc.lines.some((l) =>
        l.includes('run schedule was missing from Redis'),
      );
      await world.recordWithLeakScan({
        accounts: ACCOUNTS,
        faultsInjected: `FLUSHALL with a */${TICK_MS / 1000} s schedule, a producer and a worker running; a second worker started after it`,
        scheduleReinstalled: reinstalled,
        firstTickAfterWipeMs: tick - wipedAt,
        runAfterWipe: check.runStatus,
        results: check.results,
        lost: check.lost,
        duplicated: check.duplicated,
        instanceNumbers: { first: firstHeld, second: secondHeld },
        duplicateExternalIds: duplicateIds,
      });
      expect(reinstalled).toBe(true);
      // The first tick after the re-install (at most one check interval after the wipe).
      expect(tick).toBeGreaterThan(wipedAt);
      expect(tick - wipedAt).toBeLessThanOrEqual(TICK_MS + 2 * CHECK_MS);
      expect({ status: check.runStatus, lost: check.lost, duplicated: check.duplicated }).toEqual({
        status: 'finished',
        lost: 0,
        duplicated: 0,
      });
      // The first worker kept (took back) its number; the second never held it.
      expect(firstHeld.length).toBeGreaterThanOrEqual(1);
      expect(secondHeld).toHaveLength(1);
      expect(firstHeld).not.toContain(secondHeld[0]);
      expect(first.lines.some((l) => l.includes('lease lost by Redis; taken back'))).toBe(true);
      expect(duplicateIds).toBe(0);
    } finally {
      redis.disconnect();
      await world.close();
    }
  }, 180_000);
});
