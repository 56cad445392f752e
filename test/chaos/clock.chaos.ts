import { expectWhole, settledQueues } from './scenarios';
import { basicAuth, ChaosWorld } from './support/world';

const ACCOUNTS = 300;

/**
 * Clock: a worker whose machine runs in UTC still sends Jakarta timestamps (the simulator
 * refuses any X-TIMESTAMP not at +07:00), and a provider whose clock runs 10 minutes ahead
 * (beyond its 5-minute tolerance) rejects our timestamps: every account ends `error` with a
 * message naming X-TIMESTAMP, the 400xx01 code and both clocks, attempted once.
 */
describe('chaos: clock', () => {
  it('TZ=UTC worker sends +07:00 timestamps; a provider clock 10 min ahead yields a clear 4001101 naming X-TIMESTAMP', async () => {
    const world = await ChaosWorld.create('clock', {
      accounts: ACCOUNTS,
      simulator: { requiredTimestampOffset: '+07:00', timestampSkewMs: 300_000 },
      env: { TZ: 'UTC' },
    });
    try {
      const producer = await world.startProducer();
      await world.startWorker();
      const first = await world.startRun(producer.url);
      await world.waitForRun(first);
      const firstCheck = await world.check(first);
      expectWhole(firstCheck, await settledQueues(world), { matched: ACCOUNTS });
      const statsFirst = await world.simulatorStats();
      const rejectedFirst = Object.values(statsFirst.providers).reduce(
        (n, p) => n + (p.byCode['4001101'] ?? 0) + (p.byCode['4007301'] ?? 0),
        0,
      );
      expect(rejectedFirst).toBe(0);

      // The provider's clock jumps 10 minutes ahead of ours.
      await world.simulatorAdmin('PATCH', '/admin/settings', { timestampClockOffsetMs: 600_000 });
      const second = await world.startRun(producer.url);
      await world.waitForRun(second);
      const check = await world.check(second);
      expectWhole(check, await settledQueues(world), { error: ACCOUNTS });
      expect(check.maxAttempts).toBe(1);
      const messages: { error_message: string; response_code: string }[] = await world.ds.query(
        `SELECT DISTINCT regexp_replace(error_message, '(sent|clock) [0-9T:.+Z-]+', '\\1 …', 'g') AS error_message, response_code
           FROM reconciliation_results WHERE run_id = $1`,
        [second],
      );
      expect([...new Set(messages.map((m) => m.response_code))]).toEqual(['4001101']);
      for (const m of messages) {
        expect(m.error_message).toMatch(
          /answered 4001101 \(Invalid Field Format \[X-TIMESTAMP\]\); X-TIMESTAMP sent … \(this machine's clock …\): check the clocks/,
        );
      }
      const sample: { error_message: string }[] = await world.ds.query(
        `SELECT error_message FROM reconciliation_results WHERE run_id = $1 LIMIT 1`,
        [second],
      );
      // What was sent is Jakarta time even though the worker's machine is in UTC.
      expect(sample[0].error_message).toMatch(
        /X-TIMESTAMP sent \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00/,
      );
      const report = await fetch(`${producer.url}/runs/${second}/report`, {
        headers: { authorization: basicAuth() },
      });
      expect(await report.text()).toContain('X-TIMESTAMP');
      await world.recordWithLeakScan({
        accounts: ACCOUNTS,
        faultsInjected:
          'worker TZ=UTC with a provider requiring +07:00; then the provider clock 10 min ahead (tolerance 5 min)',
        retries: 0,
        results: firstCheck.results + check.results,
        firstRun: firstCheck.byStatus,
        secondRun: check.byStatus,
        sampleError: sample[0].error_message,
        lost: firstCheck.lost + check.lost,
        duplicated: firstCheck.duplicated + check.duplicated,
      });
    } finally {
      await world.close();
    }
  }, 300_000);
});
