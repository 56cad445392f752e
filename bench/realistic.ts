import type { Cluster, Redis } from 'ioredis';
import { stopChild } from './children';
import type { BenchContext } from './context';
import { prepareE2e, runE2ePass } from './e2e';
import { productCpuMs } from './product-cpu';
import { round } from './stats';

/** The realistic scenario: provider latency with a long tail, timeouts, the providers' limits. */
export interface RealisticFigures {
  accounts: number;
  latency: { p50Ms: number; p99Ms: number; timeoutShare: number };
  /** Run started → finished, s. */
  wallSeconds: number;
  /** What the limits allow: max over providers of (its requests, tokens included) ÷ its limit, s. */
  floorSeconds: number;
  floorByProvider: Record<string, number>;
  wallOverFloor: number | null;
  limits: Record<string, number>;
  requestsByProvider: Record<string, number>;
  /** Most requests in any sliding second per provider, as the simulator saw them. */
  busiestSecond: Record<string, number>;
  /** Every provider's busiest second within its limit. */
  withinLimits: boolean;
  /** Slots of the pacing schedule the workers reached too late and gave up, per provider. */
  pacingSlotsGivenUp: Record<string, number> | null;
  workerPeakRssMb: (number | null)[];
  processingP50Ms: number;
  processingP99Ms: number;
  productCpuMsPerAccount: number | null;
  counts: Record<string, number>;
  correct: boolean;
  providerFailures: Record<string, number>;
}

/**
 * One run of `realisticAccounts` accounts with the simulator's latency drawn from a log-normal
 * distribution (median and p99 of `--realistic-latency`, and its share of requests held as
 * read timeouts) and the workers at the providers' default rate limits (nothing raised): the
 * run a platform really has. Its wall time is set against the floor the limits allow.
 */
export async function benchRealistic(
  ctx: BenchContext,
  redis: Redis | Cluster,
): Promise<RealisticFigures> {
  const { options } = ctx;
  const lat = options.realisticLatency;
  const setup = await prepareE2e(ctx, redis, {
    tag: 'real',
    accounts: options.realisticAccounts,
    mismatchShare: options.mismatchShare,
    latencyMs: lat.p50Ms,
    latencyP99Ms: lat.p99Ms,
    timeoutShare: lat.timeoutShare,
    rateLimit: null,
  });
  try {
    const pass = await runE2ePass(ctx, setup, redis, 'real0');
    const config = ctx.config('public', 'x') as unknown as Record<string, number>;
    const limits: Record<string, number> = {};
    const floorByProvider: Record<string, number> = {};
    for (const [provider, requests] of Object.entries(pass.requestsByProvider)) {
      limits[provider] = config[`RATE_LIMIT_${provider.toUpperCase()}_PER_SECOND`];
      floorByProvider[provider] = round(requests / limits[provider], 2)!;
    }
    const floorSeconds = Math.max(0, ...Object.values(floorByProvider));
    return {
      accounts: pass.accounts,
      latency: lat,
      wallSeconds: pass.wallSeconds,
      floorSeconds,
      floorByProvider,
      wallOverFloor: floorSeconds > 0 ? round(pass.wallSeconds / floorSeconds, 2) : null,
      limits,
      requestsByProvider: pass.requestsByProvider,
      busiestSecond: pass.busiestSecond,
      withinLimits: Object.entries(pass.busiestSecond).every(([p, n]) => n <= limits[p]),
      pacingSlotsGivenUp: pass.pacingSlotsGivenUp,
      workerPeakRssMb: pass.resources.workerPeakRssMb,
      processingP50Ms: pass.processingP50Ms,
      processingP99Ms: pass.processingP99Ms,
      productCpuMsPerAccount: productCpuMs(pass.resources, pass.accounts),
      counts: pass.counts,
      correct: pass.correct,
      providerFailures: pass.providerFailures,
    };
  } finally {
    await stopChild(setup.simulator);
  }
}
