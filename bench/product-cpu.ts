import type { ResourceFigures } from './monitor';
import { round } from './stats';

/** CPU seconds of one process as ms per account (or job); null when unreadable. */
export function cpuMsPer(seconds: number | null | undefined, n: number): number | null {
  return typeof seconds === 'number' && n > 0 ? (seconds * 1000) / n : null;
}

/** The sum of the parts, or null when any of them is unknown. */
function sumOfKnown(parts: readonly (number | null | undefined)[]): number | null {
  return parts.every((p) => typeof p === 'number')
    ? (parts as number[]).reduce((a, b) => a + b, 0)
    : null;
}

/**
 * The product's own CPU per account, ms: workers + Postgres backends + Redis + producer (this
 * process). The simulator stands in for the provider and is left out: a platform does not pay
 * for its provider's CPU.
 */
export function productCpuMs(r: ResourceFigures, accounts: number): number | null {
  const parts = [...r.workerCpuSeconds, r.postgresCpuSeconds, r.redisCpuSeconds, r.benchCpuSeconds];
  return round(cpuMsPer(sumOfKnown(parts), accounts), 3);
}

/** The ceiling's counterpart: workers + Redis + producer (not the do-nothing endpoint). */
export function ceilingProductCpuMs(r: ResourceFigures, jobs: number): number | null {
  const parts = [...r.workerCpuSeconds, r.redisCpuSeconds, r.benchCpuSeconds];
  return round(cpuMsPer(sumOfKnown(parts), jobs), 3);
}

/**
 * What the product's CPU per account would be if its own code cost nothing beyond the ceiling's
 * work: the ceiling's CPU per job, plus two costs the ceiling does not have, the RSA token
 * signatures the protocol asks for and Postgres's own CPU for this product's statements (the
 * ledger read and the result written). Null when a part is unknown.
 */
export function productCpuFloorMs(
  ceilingMsPerJob: number | null,
  tokenSignatureMsPerAccount: number | null,
  postgresMsPerAccount: number | null,
): number | null {
  return round(sumOfKnown([ceilingMsPerJob, tokenSignatureMsPerAccount, postgresMsPerAccount]), 3);
}
