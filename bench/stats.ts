/** The q-quantile (0..1) of the values by linear interpolation; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The median of the values (NaN when empty); non-finite values are ignored. */
export function median(values: readonly (number | null | undefined)[]): number {
  return quantile(
    values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
    0.5,
  );
}

/** Rounds to `digits` decimals (null stays null, NaN becomes null for JSON). */
export function round(value: number | null | undefined, digits = 2): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** `a ÷ b` rounded, or null unless both are known and non-zero. */
export function quotient(
  a: number | null | undefined,
  b: number | null | undefined,
  digits = 2,
): number | null {
  return a && b ? round(a / b, digits) : null;
}

/** Milliseconds since `start` (a `process.hrtime.bigint()` value). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
