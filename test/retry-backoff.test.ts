import { accountKeyText } from '@app/ledger';
import { QueueEvents } from 'bullmq';
import { queuePrefix } from '@app/infra';
import { balanceJobId, balanceQueueName } from '@app/queue';
import { RunsService } from '@app/reconciliation';
import { formatAmount, ProviderName } from '@app/snap';
import type { ScenarioAccount, SimulatedAccount } from '../apps/cli/src/demo/demo-scenario';
import { MAX_RATE_LIMIT_HITS } from '../apps/worker/src/balance-inquiry.service';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const BACKOFF_MS = 300;

function account(
  n: number,
  provider: ProviderName,
  simulated: SimulatedAccount,
  expected: ScenarioAccount['expected'],
): ScenarioAccount {
  const accountNo = `${provider.toUpperCase()}${n}`;
  return {
    merchantId: `R${n}`,
    merchantName: `Retry ${n}`,
    provider,
    accountNo,
    credentialSet: provider === 'finnet' ? accountNo : null,
    ledger: [{ entryRef: `R${n}-1`, amount: 100_000n, postedAt: new Date(Date.now() - 3_600_000) }],
    simulated: { balance: formatAmount(100_000n), ...simulated },
    kind: 'matched',
    expected,
  };
}

describe('retries and backoff', () => {
  const config = testConfig({
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: String(BACKOFF_MS),
    JOB_BACKOFF_JITTER: '0',
    RATE_LIMIT_PAUSE_MS: '100',
  });
  const scenario = [
    account(
      1,
      'nicepay',
      { faults: [{ kind: '500', times: 2 }] },
      { status: 'matched', difference: 0n, attempts: 3 },
    ),
    account(
      2,
      'nicepay',
      { faults: [{ kind: '504' }] },
      { status: 'error', difference: null, attempts: 3 },
    ),
    account(
      3,
      'nicepay',
      { faults: [{ kind: '404xx11' }] },
      { status: 'error', difference: null, attempts: 1 },
    ),
    account(
      4,
      'finnet',
      { faults: [{ kind: '429', times: 2 }] },
      { status: 'matched', difference: 0n, attempts: 1 },
    ),
    // Finnet's table, row 8: `403 | 4031104 | Activity count limit exceeded`, for good.
    account(
      5,
      'finnet',
      { faults: [{ kind: '403xx04' }] },
      { status: 'error', difference: null, attempts: 3 },
    ),
    account(
      6,
      'netzme',
      { faults: [{ kind: '429', times: 2 }] },
      { status: 'matched', difference: 0n, attempts: 1 },
    ),
  ];
  let pipeline: Pipeline;
  let events: QueueEvents;
  let runId: string;
  const starts = new Map<string, number[]>();
  const failures = new Map<string, number[]>();
  /** When each delayed attempt was due: the event's `delay`, an instant in ms. */
  const dues = new Map<string, number[]>();

  beforeAll(async () => {
    pipeline = await startPipeline(config, { scenario });
    events = new QueueEvents(balanceQueueName('nicepay'), {
      connection: { url: config.REDIS_URL },
      prefix: queuePrefix(config),
    });
    // The stream id of each event starts with the Redis time in milliseconds.
    events.on('active', ({ jobId }, id) =>
      starts.set(jobId, [...(starts.get(jobId) ?? []), Number(id.split('-')[0])]),
    );
    // A failed attempt with a retry left is moved to delayed for its backoff.
    events.on('delayed', ({ jobId, delay }, id) => {
      failures.set(jobId, [...(failures.get(jobId) ?? []), Number(id.split('-')[0])]);
      dues.set(jobId, [...(dues.get(jobId) ?? []), Number(delay)]);
    });
    await events.waitUntilReady();
    runId = (await pipeline.producer.get(RunsService).start('api')).runId;
    await pipeline.waitForRun(runId, 30_000);
  }, 60_000);
  afterAll(async () => {
    await events.close();
    await pipeline.close();
  });

  /** Balance-inquiry answers with this code (each fault here belongs to one account only). */
  const answered = (provider: ProviderName, code: string) =>
    pipeline.simulator.stats().providers[provider].byKind.balance.byCode[code] ?? 0;

  it('retries a transient failure up to the configured attempts, then succeeds or records an error', async () => {
    const rows: {
      account_no: string;
      status: string;
      attempts: number;
      response_code: string | null;
      error_message: string | null;
    }[] = await pipeline.db.dataSource.query(
      `SELECT a.account_no, r.status, r.attempts, r.response_code, r.error_message
           FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id WHERE r.run_id = $1 ORDER BY a.account_no`,
      [runId],
    );
    expect(rows.map((r) => [r.account_no, r.status, r.attempts])).toEqual([
      ['FINNET4', 'matched', 1],
      ['FINNET5', 'error', 3],
      ['NETZME6', 'matched', 1],
      ['NICEPAY1', 'matched', 3],
      ['NICEPAY2', 'error', 3],
      ['NICEPAY3', 'error', 1],
    ]);
    expect(rows[4]).toMatchObject({
      response_code: '5041100',
      error_message: expect.stringContaining('5041100'),
    });
    expect(rows[5]).toMatchObject({ response_code: '4041111' });
    expect([answered('nicepay', '5001100'), answered('nicepay', '5041100')]).toEqual([2, 3]);
  });

  it('attempts a permanent failure once', () => {
    expect(answered('nicepay', '4041111')).toBe(1);
  });

  it('waits the exponential backoff of the config between attempts', () => {
    for (const a of scenario.slice(0, 2)) {
      const jobId = balanceJobId(runId, pipeline.accountIds.get(accountKeyText(a))!);
      const times = starts.get(jobId)!;
      const failed = failures.get(jobId)!;
      expect(times).toHaveLength(3);
      expect(failed).toHaveLength(2);
      const due = dues.get(jobId)!;
      for (const [n, backoff] of [BACKOFF_MS, 2 * BACKOFF_MS].entries()) {
        // Attempt n+2 is due backoff * 2^n after attempt n+1 failed (jitter 0 here): BullMQ
        // counts it from the worker's clock just before its script runs; the event's id is
        // Redis's clock inside that script, a moment later on a loaded machine.
        expect(due[n] - failed[n]).toBeLessThanOrEqual(backoff);
        expect(due[n] - failed[n]).toBeGreaterThan(backoff - 250);
        // It starts once due, not before, and soon after (the queue's promotion).
        expect(times[n + 1]).toBeGreaterThanOrEqual(due[n]);
        expect(times[n + 1] - due[n]).toBeLessThan(500);
      }
    }
  });

  it('waits out rate limits without spending attempts', () => {
    expect([answered('finnet', '4291100'), answered('finnet', '2001100')]).toEqual([2, 1]);
    expect([answered('netzme', '4291100'), answered('netzme', '2001100')]).toEqual([2, 1]);
  });

  it(`ends a rate limit that never lifts as an error after ${MAX_RATE_LIMIT_HITS} waits and the configured attempts (the run finishes)`, async () => {
    // The waits keep the attempt; past them each answer is a failed attempt (3 here).
    expect(answered('finnet', '4031104')).toBe(MAX_RATE_LIMIT_HITS + 3);
    const [row] = await pipeline.db.dataSource.query(
      `SELECT r.response_code, r.error_message FROM reconciliation_results r
         JOIN provider_accounts a ON a.id = r.account_id WHERE r.run_id = $1 AND a.account_no = 'FINNET5'`,
      [runId],
    );
    expect(row).toMatchObject({
      response_code: '4031104',
      error_message: expect.stringContaining('4031104'),
    });
  });
});
