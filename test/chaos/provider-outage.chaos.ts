import { expectWhole, settledQueues } from './scenarios';
import { ChaosWorld, sleep } from './support/world';

const ACCOUNTS = 900;
const THRESHOLD = 5;
const PROBE_MS = 2_000;
const DEADLINE_S = 12;

const env = {
  WORKER_CONCURRENCY: '20',
  JOB_ATTEMPTS: '5',
  JOB_BACKOFF_MS: '200',
  SNAP_READ_TIMEOUT_MS: '800',
  BREAKER_FAILURE_THRESHOLD: String(THRESHOLD),
  BREAKER_PROBE_INTERVAL_MS: String(PROBE_MS),
  RUN_DEADLINE_SECONDS: String(DEADLINE_S),
};

/** The most requests a down provider may get in `seconds`: the threshold, then probes. */
const allowed = (seconds: number) => THRESHOLD + Math.ceil((seconds * 1000) / PROBE_MS) + 1;

/**
 * NICEPay down for the whole run (two cases: a gateway's 503 page, and requests that hang
 * past the read timeout), two workers. The breaker opens after the threshold, only probes go
 * out, the other providers finish as usual, and at the run's deadline NICEPay's accounts end
 * `unavailable` with since when and why, so the run finishes.
 */
describe('chaos: a provider down', () => {
  it.each(['503', 'hang'] as const)(
    `NICEPay down (%s) for the whole run, ${ACCOUNTS} accounts, two workers: at most ${THRESHOLD} requests plus one probe per ${PROBE_MS} ms reach it, the others match, its accounts end unavailable at the ${DEADLINE_S} s deadline`,
    async (outage) => {
      const world = await ChaosWorld.create(`provider-outage-${outage}`, {
        accounts: ACCOUNTS,
        simulator: { outages: { nicepay: outage }, readTimeoutHoldMs: 1_500 },
        env,
      });
      try {
        const producer = await world.startProducer();
        await Promise.all([world.startWorker(), world.startWorker()]);
        const started = Date.now();
        const runId = await world.startRun(producer.url);
        await world.waitForRun(runId, 90_000);
        const seconds = (Date.now() - started) / 1000;
        const stuck = await settledQueues(world);
        const check = await world.check(runId);
        const stats = await world.simulatorStats();
        const messages: { error_message: string }[] = await world.ds.query(
          `SELECT DISTINCT error_message FROM reconciliation_results WHERE run_id = $1 AND status = 'unavailable'`,
          [runId],
        );
        const opened = world.workerLines(/provider unavailable: NICEPay circuit breaker opened/);
        await world.recordWithLeakScan({
          accounts: ACCOUNTS,
          faultsInjected: `NICEPay ${outage === '503' ? 'answers HTTP 503' : 'holds every request past the read timeout'} for the whole run`,
          nicepayRequests: stats.providers.nicepay.requests,
          nicepayRequestsAllowed: allowed(seconds),
          breakerOpenedLines: opened.length,
          byStatus: check.byStatus,
          unavailableMessage: messages.map((m) => m.error_message),
          results: check.results,
          lost: check.lost,
          duplicated: check.duplicated,
          seconds,
        });
        expectWhole(check, stuck, { matched: (ACCOUNTS * 2) / 3, unavailable: ACCOUNTS / 3 });
        expect(stats.providers.nicepay.requests).toBeLessThanOrEqual(allowed(seconds));
        expect(opened.length).toBe(1);
        expect(messages).toHaveLength(1);
        expect(messages[0].error_message).toMatch(/^NICEPay unavailable since \d{4}-\d\d-\d\dT/);
      } finally {
        await world.close();
      }
    },
    180_000,
  );

  it(`NICEPay down at the start and back mid-run: the probe finds it up, its queue resumes and its accounts match`, async () => {
    const world = await ChaosWorld.create('provider-outage-recovery', {
      accounts: ACCOUNTS,
      simulator: { outages: { nicepay: '503' } },
      env: { ...env, RUN_DEADLINE_SECONDS: '300' },
    });
    try {
      const producer = await world.startProducer();
      await Promise.all([world.startWorker(), world.startWorker()]);
      const started = Date.now();
      const runId = await world.startRun(producer.url);
      for (let i = 0; world.workerLines(/NICEPay circuit breaker opened/).length === 0; i++) {
        if (i > 300) throw new Error('the breaker never opened');
        await sleep(100);
      }
      await world.waitForCompleted(runId, (ACCOUNTS * 2) / 3);
      const duringOutage = (await world.simulatorStats()).providers.nicepay.requests;
      await world.simulatorAdmin('PATCH', '/admin/settings', { outages: {} });
      const recoveredAt = Date.now();
      await world.waitForRun(runId, 90_000);
      const seconds = (Date.now() - started) / 1000;
      const stuck = await settledQueues(world);
      const check = await world.check(runId);
      const recovered = world.workerLines(/provider recovered: NICEPay circuit breaker closed/);
      await world.recordWithLeakScan({
        accounts: ACCOUNTS,
        faultsInjected: 'NICEPay answers HTTP 503 until the other providers are done, then is up',
        nicepayRequestsDuringOutage: duringOutage,
        recoveredLines: recovered.length,
        secondsFromRecoveryToFinish: (Date.now() - recoveredAt) / 1000,
        byStatus: check.byStatus,
        results: check.results,
        lost: check.lost,
        duplicated: check.duplicated,
        seconds,
      });
      expectWhole(check, stuck, { matched: ACCOUNTS });
      expect(recovered.length).toBe(1);
    } finally {
      await world.close();
    }
  }, 180_000);
});
