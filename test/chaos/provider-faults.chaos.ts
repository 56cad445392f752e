import type { FaultSpec } from '../../apps/snap-simulator/src';
import { balanceRequests, expectWhole, settledQueues } from './scenarios';
import { ChaosWorld } from './support/world';
import { seeded } from '../../apps/cli/src/demo/seeded-random';

const ACCOUNTS = 1_500;
const ATTEMPTS = 4;
const LIMIT = 100;

/**
 * Faults per account, seeded: 20 % answer a 5xx once, 5 % hold the request past the read
 * timeout once, and in every block of 100 accounts a burst of five 429s and five 403xx04s.
 * Returns the faults and how many attempts they cost (rate limits cost none).
 */
function plan() {
  const random = seeded(42);
  const faults: FaultSpec[][] = [];
  const transient: number[] = [];
  const counts = { '5xx': 0, 'read-timeout': 0, '429': 0, '403xx04': 0 };
  for (let i = 0; i < ACCOUNTS; i++) {
    const list: FaultSpec[] = [];
    if (i % 100 < 5) {
      list.push({ kind: '429', times: 1 });
      counts['429']++;
    } else if (i % 100 >= 50 && i % 100 < 55) {
      list.push({ kind: '403xx04', times: 1 });
      counts['403xx04']++;
    }
    const r = random();
    if (r < 0.2) {
      list.push({ kind: r < 0.1 ? '500' : '504', times: 1 });
      counts['5xx']++;
    } else if (r < 0.25) {
      list.push({ kind: 'read-timeout', times: 1 });
      counts['read-timeout']++;
    }
    faults.push(list);
    transient.push(list.filter((f) => f.kind !== '429' && f.kind !== '403xx04').length);
  }
  return { faults, transient, counts };
}

describe('chaos: provider faults', () => {
  it(`${ACCOUNTS} accounts against 20 % 5xx, 5 % read timeouts, bursts of 429 and 403xx04 and a token revocation: every account final, attempts within the maximum, requests per second within each provider's limit, one refresh per revocation`, async () => {
    const { faults, transient, counts } = plan();
    const world = await ChaosWorld.create('provider-faults', {
      accounts: ACCOUNTS,
      faults: (i) => (faults[i].length ? faults[i] : undefined),
      simulator: { readTimeoutHoldMs: 1_500 },
      env: {
        // 60 calls in flight fit the HTTP client's 64 connections to the one simulator port
        // (production has one origin, hence one pool, per provider).
        WORKER_CONCURRENCY: '20',
        JOB_ATTEMPTS: String(ATTEMPTS),
        JOB_BACKOFF_MS: '100',
        SNAP_READ_TIMEOUT_MS: '800',
        RATE_LIMIT_NETZME_PER_SECOND: String(LIMIT),
        RATE_LIMIT_NICEPAY_PER_SECOND: String(LIMIT),
        RATE_LIMIT_FINNET_PER_SECOND: String(LIMIT),
        RATE_LIMIT_PAUSE_MS: '200',
      },
    });
    try {
      const producer = await world.startProducer();
      await world.startWorker();
      const started = Date.now();
      const runId = await world.startRun(producer.url);
      await world.waitForCompleted(runId, Math.floor(ACCOUNTS * 0.4));
      const tokensBefore = (await world.simulatorStats()).providers.netzme.tokensIssued;
      const revoked = (await world.simulatorAdmin('POST', '/admin/tokens/revoke', {
        provider: 'netzme',
      })) as { revoked: number };
      await world.waitForRun(runId, 240_000);
      const seconds = (Date.now() - started) / 1000;
      const stuck = await settledQueues(world);
      const check = await world.check(runId);
      const stats = await world.simulatorStats();
      const requests = await balanceRequests(world);
      const attempts: { account_no: string; attempts: number }[] = await world.ds.query(
        `SELECT a.account_no, r.attempts FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id WHERE r.run_id = $1`,
        [runId],
      );
      const wrongAttempts = attempts.filter((r) => {
        const i = Number(r.account_no.replace(/\D/g, '')) - 1;
        return r.attempts !== 1 + transient[i];
      });
      const perSecond = Object.fromEntries(
        Object.entries(stats.providers).map(([p, s]) => [p, s.maxPerSecond]),
      );
      await world.recordWithLeakScan({
        accounts: ACCOUNTS,
        faultsInjected: { ...counts, tokenRevocations: 1, tokensRevoked: revoked.revoked },
        retries: requests - ACCOUNTS,
        results: check.results,
        lost: check.lost,
        duplicated: check.duplicated,
        maxAttempts: check.maxAttempts,
        maxPerSecond: perSecond,
        limitPerSecond: LIMIT,
        netzmeTokens: { before: tokensBefore, after: stats.providers.netzme.tokensIssued },
        byCode: Object.fromEntries(Object.entries(stats.providers).map(([p, s]) => [p, s.byCode])),
        seconds,
      });
      expectWhole(check, stuck, { matched: ACCOUNTS });
      expect(check.maxAttempts).toBeLessThanOrEqual(ATTEMPTS);
      // Each account spent exactly one attempt per transient fault it met, none for rate limits.
      expect(wrongAttempts).toEqual([]);
      // Counted at the simulator, every request (tokens too), in any sliding one-second window.
      expect(Object.entries(perSecond).filter(([, max]) => max > LIMIT)).toEqual([]);
      expect(revoked.revoked).toBe(1);
      expect(stats.providers.netzme.tokensIssued - tokensBefore).toBe(1);
    } finally {
      await world.close();
    }
  }, 300_000);
});
