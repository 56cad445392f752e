import {
  busiestOfLimit,
  checkTargets,
  COMPARED,
  fmt,
  loadResult,
  table,
  targetsTable,
} from './report';
import { median, round } from './stats';

/**
 * `npm run bench:median -- A.json B.json C.json`: the headline figures of separate benchmark
 * runs side by side, their medians, and the targets checked against the medians (the issue's
 * targets are medians of 3 runs).
 */
function main(files: string[]): number {
  if (files.length === 0) {
    process.stderr.write('usage: npm run bench:median -- RESULT.json [RESULT.json ...]\n');
    return 2;
  }
  const results = files.map(loadResult);
  const rows: string[][] = [['figure', ...results.map((_, i) => `run ${i + 1}`), 'median']];
  const med = (values: (number | null | undefined)[]) => round(median(values), 3);
  for (const { key, label } of COMPARED) {
    const values = results.map((r) => r[key] as number | null | undefined);
    if (values.every((v) => v === null || v === undefined)) continue;
    rows.push([label, ...values.map((v) => fmt(v)), fmt(med(values))]);
  }
  const busiest = results.map((r) => busiestOfLimit(r));
  if (busiest.some((v) => v !== null))
    rows.push([
      'realistic busiest second ÷ limit',
      ...busiest.map((v) => fmt(v)),
      fmt(med(busiest)),
    ]);
  const sizes = [...new Set(results.flatMap((r) => Object.keys(r.ledgerP99Ms ?? {})))];
  const ledgerMedians: Record<string, number | null> = {};
  for (const size of sizes) {
    const values = results.map((r) => r.ledgerP99Ms?.[size]);
    ledgerMedians[size] = med(values);
    rows.push([
      `ledger p99 at ${Number(size).toLocaleString('en')} entries, ms`,
      ...values.map((v) => fmt(v)),
      fmt(ledgerMedians[size]),
    ]);
  }
  const mid = (key: keyof (typeof results)[number]) =>
    med(results.map((r) => r[key] as number | null | undefined));
  const targets = checkTargets({
    ...results[0],
    ratio: mid('ratio'),
    e2e100kSeconds: mid('e2e100kSeconds'),
    ledgerP99Ms: sizes.length ? ledgerMedians : null,
    ledgerRatio: mid('ledgerRatio'),
    enqueue100kSeconds: mid('enqueue100kSeconds'),
    workerPeakRssMb: mid('workerPeakRssMb'),
    productCpuRatio: mid('productCpuRatio'),
    productCpuFloorRatio: mid('productCpuFloorRatio'),
    realisticWallSeconds: mid('realisticWallSeconds'),
    realisticFloorSeconds: mid('realisticFloorSeconds'),
    // The worst run's busiest second: a limit is a limit in every run, not in the median one.
    realisticBusiestSecond: worstBusiest(results),
    realisticWorkerPeakRssMb: mid('realisticWorkerPeakRssMb'),
    cpuFlatness: mid('cpuFlatness'),
    ceilingCpuFlatness: mid('ceilingCpuFlatness'),
    finalizeGrowth: mid('finalizeGrowth'),
  });
  const shapes = results.map(
    (r) =>
      `${r.timestamp}: ${r.options?.accounts ?? '?'} accounts, ${r.options?.repeat ?? '?'} pass(es)`,
  );
  process.stdout.write(
    `${shapes.map((s, i) => `run ${i + 1}: ${s}`).join('\n')}\n\n${table(rows)}\n\n` +
      `${targetsTable(targets, 'target (medians)')}\n`,
  );
  return 0;
}

/** Per provider, the busiest second of any run. */
function worstBusiest(
  results: { realisticBusiestSecond?: Record<string, number> | null }[],
): Record<string, number> | null {
  const out: Record<string, number> = {};
  for (const r of results)
    for (const [p, n] of Object.entries(r.realisticBusiestSecond ?? {}))
      out[p] = Math.max(out[p] ?? 0, n);
  return Object.keys(out).length ? out : null;
}

process.exitCode = main(process.argv.slice(2));
