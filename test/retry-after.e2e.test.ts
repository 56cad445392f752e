import { RunsService } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import type { ScenarioAccount } from '../apps/cli/src/demo/demo-scenario';
import { memoryLogger, parsed } from './snap/support/logs';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

/** Our own pause after a 429: short, so the provider's longer Retry-After shows. */
const PAUSE_MS = 200;
/** What NICEPay's 429 asks for (`Retry-After: 2`). */
const RETRY_AFTER_S = 2;
const HEALTHY = 8;

function nicepay(n: number, faults: object[]): ScenarioAccount {
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
    simulated: { balance: formatAmount(100_000n), faults: faults as never },
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
