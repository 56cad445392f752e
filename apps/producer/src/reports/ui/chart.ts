import { formatAmount } from '@app/snap';
import { html, SafeHtml } from './html';

/** One day of the chart. */
export interface ChartDay {
  date: string;
  mismatchCount: number;
  /** Minor units. */
  totalAbsDifference: bigint;
  /** Runs that day; a day without one has no point on the line (a gap, not a zero). */
  runs?: number;
}

const TICKS = 4;

/** A round step (1, 2 or 5 × 10^k) so that `ticks` steps cover `max`; at least 1. */
export function niceStep(max: bigint, ticks = TICKS): bigint {
  if (max <= 0n) return 1n;
  const raw = (max + BigInt(ticks) - 1n) / BigInt(ticks);
  let magnitude = 1n;
  while (magnitude * 10n <= raw) magnitude *= 10n;
  for (const m of [1n, 2n, 5n]) if (m * magnitude >= raw) return m * magnitude;
  return 10n * magnitude;
}

/** A short label of an amount in minor units: `1.5M`, `250K`, `12.50`. */
export function compactAmount(minor: bigint): string {
  const sign = minor < 0n ? '-' : '';
  const v = minor < 0n ? -minor : minor;
  const units: [bigint, string][] = [
    [100_000_000_000n, 'B'],
    [100_000_000n, 'M'],
    [100_000n, 'K'],
  ];
  for (const [unit, suffix] of units) {
    if (v >= unit) {
      const tenths = (v * 10n + unit / 2n) / unit;
      return `${sign}${tenths / 10n}${tenths % 10n === 0n ? '' : `.${tenths % 10n}`}${suffix}`;
    }
  }
  return sign + formatAmount(v).replace(/\.00$/, '');
}

/** `part / whole` as a fraction for geometry only (amounts stay bigint). */
function ratio(part: bigint, whole: bigint): number {
  return whole === 0n ? 0 : Number((part * 1_000_000n) / whole) / 1_000_000;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The daily chart as inline SVG: bars of the total |difference| of breaks (left axis) and a
 * line of the number of accounts with a break (right axis), one slot per day, oldest left. A
 * break is a mismatched result or an inactive one with a difference.
 * Each bar and point has a `<title>` tooltip with the exact figures (amounts by `amountText`).
 */
export function dailyChart(
  days: ChartDay[],
  {
    width = 880,
    height = 260,
    amountText = formatAmount,
  }: { width?: number; height?: number; amountText?: (minor: bigint) => string } = {},
): SafeHtml {
  const m = { top: 28, right: 44, bottom: 34, left: 64 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const maxAmount = days.reduce(
    (max, d) => (d.totalAbsDifference > max ? d.totalAbsDifference : max),
    0n,
  );
  const maxCount = days.reduce((max, d) => Math.max(max, d.mismatchCount), 0);
  const amountStep = niceStep(maxAmount);
  const countStep = Number(niceStep(BigInt(maxCount)));
  const amountTop = amountStep * BigInt(TICKS);
  const countTop = countStep * TICKS;
  const slot = days.length > 0 ? plotW / days.length : plotW;
  const barW = Math.max(2, slot * 0.62);
  const x = (i: number) => m.left + slot * i + slot / 2;
  const yAmount = (v: bigint) => m.top + plotH * (1 - ratio(v, amountTop));
  const yCount = (v: number) => m.top + plotH * (1 - v / countTop);
  const labelEvery = Math.max(1, Math.ceil(days.length / 10));

  const grid = Array.from({ length: TICKS + 1 }, (_, i) => {
    const y = r1(m.top + (plotH * (TICKS - i)) / TICKS);
    return html`<line class="grid" x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" />
      <text class="axis" x="${m.left - 6}" y="${y + 4}" text-anchor="end"
        >${compactAmount(amountStep * BigInt(i))}</text
      >
      <text class="axis" x="${m.left + plotW + 6}" y="${y + 4}">${countStep * i}</text>`;
  });
  const bars = days.map((d, i) => {
    const y = r1(yAmount(d.totalAbsDifference));
    const tip = `${d.date}: ${d.mismatchCount} accounts with a break, total |difference| ${amountText(d.totalAbsDifference)}`;
    return html`<rect
      class="bar"
      x="${r1(x(i) - barW / 2)}"
      y="${y}"
      width="${r1(barW)}"
      height="${r1(m.top + plotH - y)}"
      ><title>${tip}</title></rect
    >`;
  });
  // The line joins consecutive days that had a run; a day without one leaves a gap.
  const segments: string[][] = [];
  days.forEach((d, i) => {
    if (d.runs === 0) return segments.push([]);
    if (segments.length === 0) segments.push([]);
    segments[segments.length - 1].push(`${r1(x(i))},${r1(yCount(d.mismatchCount))}`);
  });
  const lines = segments
    .filter((points) => points.length > 1)
    .map((points) => html`<polyline class="line" points="${points.join(' ')}" />`);
  const dots = days.map((d, i) =>
    d.runs === 0
      ? html`<text class="norun" x="${r1(x(i))}" y="${m.top + plotH - 4}" text-anchor="middle"
          ><title>${d.date}: no run</title>·</text
        >`
      : html`<circle class="dot" cx="${r1(x(i))}" cy="${r1(yCount(d.mismatchCount))}" r="3"
          ><title>${d.date}: ${d.mismatchCount} accounts with a break</title></circle
        >`,
  );
  const labels = days.map((d, i) =>
    i % labelEvery === 0 || i === days.length - 1
      ? html`<text class="axis" x="${r1(x(i))}" y="${m.top + plotH + 16}" text-anchor="middle"
          >${d.date.slice(5)}</text
        >`
      : '',
  );
  const empty =
    maxAmount === 0n && maxCount === 0
      ? html`<text
          class="empty"
          x="${m.left + plotW / 2}"
          y="${m.top + plotH / 2}"
          text-anchor="middle"
          >no breaks in these ${days.length} days</text
        >`
      : '';
  return html`<svg
    class="chart"
    viewBox="0 0 ${width} ${height}"
    width="100%"
    role="img"
    aria-label="Daily total absolute difference of breaks and number of accounts with a break"
  >
    <g class="legend">
      <rect class="bar" x="${m.left}" y="6" width="12" height="10" />
      <text x="${m.left + 18}" y="15">total |difference| (left axis)</text>
      <line class="line" x1="${m.left + 220}" x2="${m.left + 240}" y1="11" y2="11" />
      <circle class="dot" cx="${m.left + 230}" cy="11" r="3" />
      <text x="${m.left + 246}" y="15">accounts with a break (right axis)</text>
    </g>
    ${grid}
    <line
      class="baseline"
      x1="${m.left}"
      x2="${m.left + plotW}"
      y1="${m.top + plotH}"
      y2="${m.top + plotH}"
    />
    ${bars} ${lines} ${dots} ${labels} ${empty}
  </svg>`;
}
