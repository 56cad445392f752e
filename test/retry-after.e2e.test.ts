import { RunsService } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import type { ScenarioAccount, SimulatedAccount } from '../apps/cli/src/demo/demo-scenario';
import { memoryLogger, parsed } from './snap/support/logs';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

/** Our own pause after a 429: short, so the provider's longer Retry-After shows. */
const PAUSE_MS = 200;
/** What NICEPay's 429 asks for (`Retry-After: 2`). */
const RETRY_AFTER_S = 2;
const HEALTHY = 8;

/** NICEPay account `n`, answering `faults` first, each answer `latencyMs` late. */
function nicepay(n: number, faults: object[], latencyMs = 0): ScenarioAccount {
  const accountNo = `NPRA${String(n).padStart(4, '0')}`;
  return {
    merchantId: `RA${n}`,
    merchantName: `Retry-After ${n}`,
    provider: 'nicepay',
    accountNo,
    credentialSet: null,
    ledger: [
      { entryRef: `RA${n}-1`, amount: 100_000n, postedAt: new Date(Date.now() - 3_600_000) },
    ],
    simulated: { balance: formatAmount(100_000n), faults, latencyMs } as SimulatedAccount,
    kind: 'matched',
    expected: { status: 'matched', difference: 0n, attempts: 1 },
  };
}

/**
 * PROTOCOL.md §4: a 429 means "back off (rate limit the provider), retry". A provider that
 * says for how long (`Retry-After`, RFC 9110 §10.2.3) is left alone that long: a resilience
 * test saw NICEPay, answering 429 with `Retry-After: 60` for a minute, get 720 requests in that
 * minute (a fixed 1 s pause each time) and every account closed `error`.
 */
describe('a NICEPay 429 with Retry-After', () => {
  const config = testConfig({
    // One job at a time: none is on its way beside the throttled one when the 429 comes back.
    WORKER_CONCURRENCY: '1',
    RATE_LIMIT_PAUSE_MS: String(PAUSE_MS),
    RATE_LIMIT_MAX_PAUSE_MS: '10000',
  });
  const simulatorLog = memoryLogger('debug');
  const scenario = [
    nicepay(0, [{ kind: '429', retryAfter: String(RETRY_AFTER_S), times: 1 }]),
    ...Array.from({ length: HEALTHY }, (_, i) => nicepay(i + 1, [])),
  ];
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(config, { scenario, simulatorLogger: simulatorLog.logger });
  }, 60_000);
  afterAll(() => pipeline?.close());

  it(`sends NICEPay nothing for ${RETRY_AFTER_S} s (not ${PAUSE_MS} ms), then every account is matched`, async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    const run = await pipeline.waitForRun(runId, 30_000);
    expect(run.status).toBe('finished');

    // Every balance inquiry NICEPay answered, in order, with the instant it answered.
    const answers = parsed(simulatorLog.lines)
      .filter((l) => l.msg === 'answered' && l.provider === 'nicepay' && l.endpoint === 'balance')
      .map((l) => ({ at: l.time as number, answer: l.answer as string }));
    const throttled = answers.filter((a) => a.answer === '4291100');
    expect(throttled).toHaveLength(1);
    const t429 = throttled[0].at;
    // Nothing until the provider's Retry-After is over (the simulator logs in whole ms).
    const after = answers.filter((a) => a.at > t429);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0].at - t429).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 5);

    const rows: { status: string; attempts: number }[] = await pipeline.db.dataSource.query(
      'SELECT status, attempts FROM reconciliation_results WHERE run_id = $1',
      [runId],
    );
    expect(rows).toHaveLength(HEALTHY + 1);
    expect(rows.map((r) => r.status)).toEqual(Array(HEALTHY + 1).fill('matched'));
    // Waiting out a rate limit spends no attempt.
    expect(rows.map((r) => r.attempts)).toEqual(Array(HEALTHY + 1).fill(1));
  }, 45_000);
});

/**
 * Two worker processes, one NICEPay job in flight each (one set of credentials: a 429 pauses
 * the whole queue): the first is answered 429 with `Retry-After: 2`, the second, a second
 * slower, 429 without one. The second's pause (our own, 200 ms) used to overwrite the first's
 * in Redis (BullMQ's `rateLimit` sets the pause's expiry whatever is left of it): its worker,
 * which had not seen the first pause, called NICEPay again about 1.2 s after it asked for 2 s.
 */
describe('a shorter 429 pause while a longer Retry-After is in force', () => {
  const config = testConfig({
    // One job each: the two throttled jobs, queued first, are on their way in two workers.
    WORKER_CONCURRENCY: '1',
    RATE_LIMIT_PAUSE_MS: String(PAUSE_MS),
    RATE_LIMIT_MAX_PAUSE_MS: '10000',
  });
  const simulatorLog = memoryLogger('debug');
  const scenario = [
    nicepay(0, [{ kind: '429', retryAfter: String(RETRY_AFTER_S), times: 1 }]),
    nicepay(1, [{ kind: '429', times: 1 }], 1_000),
    ...Array.from({ length: HEALTHY }, (_, i) => nicepay(i + 2, [])),
  ];
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(config, { scenario, simulatorLogger: simulatorLog.logger });
    await pipeline.startExtraWorker();
  }, 60_000);
  afterAll(() => pipeline?.close());

  it(`does not cut the ${RETRY_AFTER_S} s asked: NICEPay gets nothing more from either worker until it is over`, async () => {
    const { runId } = await pipeline.producer.get(RunsService).start('api');
    const run = await pipeline.waitForRun(runId, 30_000);
    expect(run.status).toBe('finished');

    const answers = parsed(simulatorLog.lines)
      .filter((l) => l.msg === 'answered' && l.provider === 'nicepay' && l.endpoint === 'balance')
      .map((l) => ({ at: l.time as number, answer: l.answer as string }));
    const throttled = answers.filter((a) => a.answer === '4291100').map((a) => a.at);
    expect(throttled).toHaveLength(2);
    const [retryAfterAt, shortAt] = throttled;
    // The short pause came while the long one was in force, and would have ended first.
    expect(shortAt + PAUSE_MS).toBeLessThan(retryAfterAt + RETRY_AFTER_S * 1000);
    const served = answers.filter((a) => a.answer !== '4291100');
    expect(served).toHaveLength(HEALTHY + 2);
    // The simulator logs in whole ms.
    expect(served[0].at - retryAfterAt).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 5);
  }, 45_000);
});
