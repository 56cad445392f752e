import { compactAmount, dailyChart, niceStep } from './chart';

describe('daily chart', () => {
  it('picks round steps that cover the maximum in four ticks', () => {
    expect(niceStep(0n)).toBe(1n);
    expect(niceStep(4n)).toBe(1n);
    expect(niceStep(5n)).toBe(2n);
    expect(niceStep(17n)).toBe(5n);
    expect(niceStep(16_449_768n)).toBe(5_000_000n);
    expect(niceStep(40_000_001n)).toBe(20_000_000n);
    expect(niceStep(99_999_999_999_999_999_999n)).toBe(50_000_000_000_000_000_000n);
  });

  it('labels amounts of minor units shortly, without floats', () => {
    expect(compactAmount(0n)).toBe('0');
    expect(compactAmount(1250n)).toBe('12.50');
    expect(compactAmount(5_000_000n)).toBe('50K');
    expect(compactAmount(15_050_000n)).toBe('150.5K');
    expect(compactAmount(250_000_000_00n)).toBe('250M');
    expect(compactAmount(123_456_789_012_345n)).toBe('1234.6B');
    expect(compactAmount(-5_000_000n)).toBe('-50K');
  });

  it('draws one bar per day with exact tooltips, a gap on days without a run, no float in the figures', () => {
    const svg = dailyChart([
      { date: '2025-11-01', mismatchCount: 2, totalAbsDifference: 123_456n, runs: 1 },
      { date: '2025-11-02', mismatchCount: 0, totalAbsDifference: 0n, runs: 0 },
      { date: '2025-11-03', mismatchCount: 4, totalAbsDifference: 1n, runs: 2 },
      { date: '2025-11-04', mismatchCount: 1, totalAbsDifference: 500n, runs: 1 },
    ]).value;
    expect(svg.match(/<rect\s+class="bar"/g)).toHaveLength(4 + 1); // four days and the legend
    expect(svg).toContain(
      '<title>2025-11-01: 2 accounts with a break, total |difference| 1234.56</title>',
    );
    expect(svg).toContain('<title>2025-11-02: no run</title>');
    // The line is broken at the day without a run: one segment of two points, none of one.
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg.match(/<circle\s+class="dot"/g)).toHaveLength(3 + 1); // three days and the legend
  });

  it('says so when there is nothing to draw', () => {
    const svg = dailyChart([
      { date: '2025-11-01', mismatchCount: 0, totalAbsDifference: 0n, runs: 1 },
    ]).value;
    expect(svg).toContain('no breaks in these 1 days');
  });
});
