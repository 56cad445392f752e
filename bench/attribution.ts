import type { Cluster, Redis } from 'ioredis';
import { stopChild } from './children';
import type { BenchContext } from './context';
import { E2ePass, prepareE2e, runE2ePass } from './e2e';
import { productCpuMs } from './product-cpu';
import { median, round } from './stats';

/** What explaining a break costs (issue 15). */
export interface AttributionFigures {
  accounts: number;
  /** Mismatched accounts on a provider with history (Netzme): each is attributed. */
  attributed: number;
  /** Product CPU per run with attribution off / on (medians), ms. */
  productCpuMsOff: number | null;
  productCpuMsOn: number | null;
  /** (on − off) ÷ attributed accounts, ms: the product's CPU per explained break. */
  productCpuMsPerAttributed: number | null;
  /** The same for the workers alone, ms. */
  workerCpuMsPerAttributed: number | null;
  /** History pages asked per attributed account. */
  historyRequestsPerAttributed: number | null;
  /** Run wall time off / on, s (medians). */
  wallSecondsOff: number | null;
  wallSecondsOn: number | null;
  correct: boolean;
}

/**
 * `attributionAccounts` accounts, every one mismatched (a credit the ledger lacks); broken
 * Netzme accounts carry a provider history listing their ledger movements plus that credit.
 * Passes alternate `ATTRIBUTION_ENABLED=false` / `true`; the difference of the product's CPU,
 * divided by the accounts attributed, is the cost of one explained break.
 */
export async function benchAttribution(
  ctx: BenchContext,
  redis: Redis | Cluster,
): Promise<AttributionFigures> {
  const { options } = ctx;
  const setup = await prepareE2e(ctx, redis, {
    tag: 'attr',
    accounts: options.attributionAccounts,
    mismatchShare: 1,
    latencyMs: options.latencyMs,
    rateLimit: options.rateLimit,
    withHistory: true,
  });
  const off: E2ePass[] = [];
  const on: E2ePass[] = [];
  try {
    for (let pass = 0; pass < options.repeat; pass++) {
      off.push(
        await runE2ePass(ctx, setup, redis, `attr-off${pass}`, { ATTRIBUTION_ENABLED: 'false' }),
      );
      on.push(
        await runE2ePass(ctx, setup, redis, `attr-on${pass}`, { ATTRIBUTION_ENABLED: 'true' }),
      );
    }
  } finally {
    await stopChild(setup.simulator);
  }
  const attributed = setup.seeded.byProvider.netzme;
  const totalMs = (p: E2ePass, pick: 'product' | 'workers') =>
    pick === 'product'
      ? (productCpuMs(p.resources, p.accounts) ?? NaN) * p.accounts
      : p.resources.workerCpuSeconds.reduce<number>((a, b) => a + (b ?? 0), 0) * 1000;
  const perAttributed = (pick: 'product' | 'workers') => {
    const a = median(off.map((p) => totalMs(p, pick)));
    const b = median(on.map((p) => totalMs(p, pick)));
    return !attributed ? null : round((b - a) / attributed, 3);
  };
  const history = median(on.map((p) => p.providerRequests['netzme/history'] ?? 0));
  return {
    accounts: setup.seeded.count,
    attributed,
    productCpuMsOff: round(median(off.map((p) => totalMs(p, 'product'))), 1),
    productCpuMsOn: round(median(on.map((p) => totalMs(p, 'product'))), 1),
    productCpuMsPerAttributed: perAttributed('product'),
    workerCpuMsPerAttributed: perAttributed('workers'),
    historyRequestsPerAttributed: !attributed ? null : round(history / attributed, 2),
    wallSecondsOff: round(median(off.map((p) => p.wallSeconds)), 2),
    wallSecondsOn: round(median(on.map((p) => p.wallSeconds)), 2),
    correct: [...off, ...on].every((p) => p.correct),
  };
}
