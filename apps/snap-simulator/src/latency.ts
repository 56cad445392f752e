import type { SimulatorSettings } from './specs';

/** z of the 99th percentile of a standard normal distribution. */
const Z99 = 2.3263;

/**
 * The delay added to one answer. With `latencyP99Ms` set, latencies are drawn from a
 * log-normal distribution whose median is `latencyMs` and whose 99th percentile is
 * `latencyP99Ms` (the long tail providers show: most answers fast, a few very slow);
 * otherwise every answer waits `latencyMs`. `random` is injectable for tests.
 */
export function drawLatencyMs(
  settings: Pick<SimulatorSettings, 'latencyMs' | 'latencyP99Ms'>,
  random: () => number = Math.random,
): number {
  const median = settings.latencyMs;
  const p99 = settings.latencyP99Ms;
  if (p99 === null || median <= 0 || p99 <= median) return median;
  const sigma = Math.log(p99 / median) / Z99;
  // Box-Muller: one standard normal draw from two uniforms in (0, 1].
  const u1 = 1 - random();
  const u2 = random();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.round(median * Math.exp(sigma * z));
}

/** Whether this request is held as a read timeout (setting `timeoutShare`, 0 to 1). */
export function drawTimeout(
  settings: Pick<SimulatorSettings, 'timeoutShare'>,
  random: () => number = Math.random,
): boolean {
  return settings.timeoutShare > 0 && random() < settings.timeoutShare;
}
