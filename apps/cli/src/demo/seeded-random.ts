/**
 * Deterministic pseudo-random numbers in [0, 1) (xorshift32), so a scenario, a chaos run or a
 * benchmark is the same every time for the same seed.
 */
export function seeded(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}
