import { drawLatencyMs, drawTimeout } from './latency';

describe('simulator latency distribution', () => {
  it('is the fixed latency without a p99', () => {
    expect(drawLatencyMs({ latencyMs: 40, latencyP99Ms: null })).toBe(40);
    expect(drawLatencyMs({ latencyMs: 0, latencyP99Ms: 500 })).toBe(0);
  });

  it('has the given median and 99th percentile', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const draws = Array.from({ length: 20_000 }, () =>
      drawLatencyMs({ latencyMs: 150, latencyP99Ms: 1200 }, random),
    ).sort((a, b) => a - b);
    const at = (q: number) => draws[Math.floor(q * (draws.length - 1))];
    expect(at(0.5)).toBeGreaterThan(140);
    expect(at(0.5)).toBeLessThan(160);
    expect(at(0.99)).toBeGreaterThan(1000);
    expect(at(0.99)).toBeLessThan(1450);
    expect(draws[0]).toBeGreaterThanOrEqual(0);
  });

  it('holds the given share of requests', () => {
    expect(drawTimeout({ timeoutShare: 0 }, () => 0)).toBe(false);
    expect(drawTimeout({ timeoutShare: 0.005 }, () => 0.004)).toBe(true);
    expect(drawTimeout({ timeoutShare: 0.005 }, () => 0.006)).toBe(false);
  });
});
