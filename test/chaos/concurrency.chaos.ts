import { balanceRequests, expectWhole, settledQueues } from './scenarios';
import { ChaosWorld, sleep } from './support/world';

/**
 * Concurrency: two producers with the same cron fire each tick once between them (one run
 * per tick); two worker processes share a run without ever reconciling an account twice.
 */
describe('chaos: concurrency', () => {
  it('two producers on the same schedule create one run per tick', async () => {
    const world = await ChaosWorld.create('two-producers', { accounts: 30 });
    try {
      const env = { SCHEDULE_CRON: '*/2 * * * * *', SCHEDULE_TIMEZONE: 'Asia/Jakarta' };
      const [a, b] = await Promise.all([world.startProducer(env), world.startProducer(env)]);
      await sleep(9_000);
      await Promise.all([a.proc.stop(), b.proc.stop()]);
      const runs: { schedule_key: string; n: string }[] = await world.ds.query(
        `SELECT schedule_key, count(*) AS n FROM reconciliation_runs WHERE trigger = 'schedule' GROUP BY schedule_key ORDER BY schedule_key`,
      );
      const ticks = runs.map((r) => Number(/(\d+)$/.exec(r.schedule_key)?.[1]));
      const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
      const installed = world.processes
        .filter((p) => p.name.startsWith('producer'))
        .map((p) => p.lines.some((l) => l.includes('run schedule installed')));
      await world.recordWithLeakScan({
        accounts: 30,
        faultsInjected: 'two producers with SCHEDULE_CRON */2 s for 9 s',
        runs: runs.length,
        ticks,
        gapsMs: gaps,
        duplicated: runs.filter((r) => r.n !== '1').length,
        lost: 0,
      });
      expect(installed).toEqual([true, true]);
      expect(runs.length).toBeGreaterThanOrEqual(3);
      expect(runs.filter((r) => r.n !== '1')).toEqual([]);
      // One run per tick: consecutive runs are whole ticks apart, never two for one tick.
      expect(gaps.filter((g) => g < 2_000 || g % 2_000 !== 0)).toEqual([]);
    } finally {
      await world.close();
    }
  }, 120_000);

  it('two worker processes on one 3,000-account run: every account reconciled once, by one of them', async () => {
    const ACCOUNTS = 3_000;
    const world = await ChaosWorld.create('two-workers', {
      accounts: ACCOUNTS,
      simulator: { latencyMs: 5 },
    });
    try {
      const producer = await world.startProducer();
      // The line per matched account is at debug (info has a summary per run): read them all.
      const perAccountLines = { LOG_LEVEL: 'debug' };
      const [w1, w2] = await Promise.all([
        world.startWorker(perAccountLines),
        world.startWorker(perAccountLines),
      ]);
      const started = Date.now();
      const runId = await world.startRun(producer.url);
      await world.waitForRun(runId);
      const seconds = (Date.now() - started) / 1000;
      const stuck = await settledQueues(world);
      const check = await world.check(runId);
      const requests = await balanceRequests(world);
      const reconciled = (lines: string[]) =>
        lines.filter((l) => l.includes('"account reconciled"'));
      const accountsOf = (lines: string[]) =>
        reconciled(lines).map((l) => (JSON.parse(l) as { accountId: string }).accountId);
      const byW1 = accountsOf(w1.lines);
      const byW2 = accountsOf(w2.lines);
      const both = byW1.filter((id) => new Set(byW2).has(id));
      await world.recordWithLeakScan({
        accounts: ACCOUNTS,
        faultsInjected: 'two worker processes',
        perWorker: [byW1.length, byW2.length],
        reconciledByBoth: both.length,
        retries: requests - ACCOUNTS,
        results: check.results,
        lost: check.lost,
        duplicated: check.duplicated,
        seconds,
      });
      expectWhole(check, stuck, { matched: ACCOUNTS });
      expect(byW1.length).toBeGreaterThan(0);
      expect(byW2.length).toBeGreaterThan(0);
      expect(byW1.length + byW2.length).toBe(ACCOUNTS);
      expect(both).toEqual([]);
      // Each account was asked of the provider exactly once.
      expect(requests).toBe(ACCOUNTS);
    } finally {
      await world.close();
    }
  }, 300_000);
});
