import { readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Cluster, Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { loadRun } from '@app/reconciliation';
import { writeResultsCsv } from '@app/reconciliation/results-csv-export';
import { writeRunReportJson } from '@app/reconciliation/run-report-json-export';
import { stopChild } from './children';
import type { BenchContext } from './context';
import { prepareE2e, runE2ePass } from './e2e';
import { peakRssMb } from './proc';
import { prepareCeiling, runCeilingPass } from './ceiling';
import { ceilingProductCpuMs, cpuMsPer, productCpuMs } from './product-cpu';
import { msSince, round } from './stats';

/** One run size of the cost-as-work-grows rows. */
export interface ScaleRow {
  accounts: number;
  wallSeconds: number;
  perSecond: number;
  productCpuMsPerAccount: number | null;
  /** Workers' CPU alone, ms per account. */
  workerCpuMsPerAccount: number | null;
  /**
   * The simulator's CPU, ms per account: not the product's, but its work per request is the
   * same at every size, so it shows how much of a change across sizes is the machine and the
   * run's ramp rather than the product's work.
   */
  simulatorCpuMsPerAccount: number | null;
  /**
   * The ceiling's CPU per job (workers + Redis + producer) for as many jobs, measured right
   * after: bare BullMQ + one POST, whose work per job is the same at every size, so its change
   * across sizes is what the queue and the run's ramp and tail make of a run's size.
   */
  ceilingCpuMsPerJob: number | null;
  /** Last result written → run finished (counts, discrepancies), ms, and per 1,000 accounts. */
  finalizeMs: number;
  finalizeMsPer1000: number;
  workerPeakRssMb: (number | null)[];
  correct: boolean;
}

/** A whole run's report of the largest size, as the producer streams it. */
export interface ReportFigures {
  results: number;
  jsonSeconds: number;
  jsonBytes: number;
  csvSeconds: number;
  csvBytes: number;
  /** This process's peak RSS during each (reset before each where Linux allows). */
  jsonPeakRssMb: number | null;
  csvPeakRssMb: number | null;
  /** This process's RSS just before the report (the peaks less this are the report's own). */
  rssBeforeMb: number | null;
  peakRssReset: boolean;
}

export interface ScaleFigures {
  rows: ScaleRow[];
  /** Largest ÷ smallest product CPU per account. */
  cpuFlatness: number | null;
  /** The same for the simulator's CPU (the control: fixed work per request). */
  simulatorCpuFlatness: number | null;
  /** The same for the ceiling's CPU per job (the control: bare BullMQ + one POST). */
  ceilingCpuFlatness: number | null;
  /** Largest ÷ smallest finalize time per 1,000 accounts (≤ 1: no worse than linear). */
  finalizeGrowth: number | null;
  report: ReportFigures | null;
}

/**
 * Runs of each `--scale-sizes` size in capacity mode (one pass each, new workers warmed by a
 * run of `--scale-warmup` accounts first), so CPU per account and finishing a run can be seen
 * as the work grows; the largest run's results are then written as the JSON report and the
 * CSV, as the producer streams them.
 */
export async function benchScale(
  ctx: BenchContext,
  redis: Redis | Cluster,
  concurrency: number,
): Promise<ScaleFigures> {
  const { options } = ctx;
  const rows: ScaleRow[] = [];
  let report: ReportFigures | null = null;
  const largest = Math.max(...options.scaleSizes);
  const ceiling = await prepareCeiling(ctx);
  for (const n of options.scaleSizes) {
    const setup = await prepareE2e(ctx, redis, {
      tag: `s${n}`,
      accounts: n,
      mismatchShare: options.mismatchShare,
      latencyMs: options.latencyMs,
      rateLimit: options.rateLimit,
      warmupAccounts: options.scaleWarmup,
    });
    try {
      const pass = await runE2ePass(ctx, setup, redis, `scale${n}`);
      const control = await runCeilingPass(
        ctx,
        ceiling,
        setup.ds,
        redis,
        `scale${n}`,
        concurrency,
        options.scaleWarmup,
        n,
      );
      const workers = pass.resources.workerCpuSeconds.reduce<number>((a, b) => a + (b ?? 0), 0);
      rows.push({
        accounts: pass.accounts,
        wallSeconds: pass.wallSeconds,
        perSecond: pass.perSecond,
        productCpuMsPerAccount: productCpuMs(pass.resources, pass.accounts),
        workerCpuMsPerAccount: round(cpuMsPer(workers, pass.accounts), 3),
        simulatorCpuMsPerAccount: round(
          cpuMsPer(pass.resources.otherCpuSeconds[setup.simulator.name], pass.accounts),
          3,
        ),
        ceilingCpuMsPerJob: ceilingProductCpuMs(control.resources, control.jobs),
        finalizeMs: pass.finalizeMs,
        finalizeMsPer1000: round((pass.finalizeMs * 1000) / pass.accounts, 2)!,
        workerPeakRssMb: pass.resources.workerPeakRssMb,
        correct: pass.correct,
      });
      ctx.say(
        `scale ${n.toLocaleString('en')}: ${pass.perSecond} accounts/s, product CPU ${rows.at(-1)!.productCpuMsPerAccount} ms/account (ceiling ${rows.at(-1)!.ceilingCpuMsPerJob} ms/job), finalize ${pass.finalizeMs} ms`,
      );
      if (n === largest) report = await benchReport(setup.ds, pass.runId);
    } finally {
      await stopChild(setup.simulator);
    }
  }
  const ratio = (pick: (r: ScaleRow) => number | null) => {
    const v = rows.map(pick).filter((x): x is number => typeof x === 'number' && x > 0);
    return v.length >= 2 ? round(Math.max(...v) / Math.min(...v), 2) : null;
  };
  const bySize = [...rows].sort((a, b) => a.accounts - b.accounts);
  return {
    rows,
    cpuFlatness: ratio((r) => r.productCpuMsPerAccount),
    simulatorCpuFlatness: ratio((r) => r.simulatorCpuMsPerAccount),
    ceilingCpuFlatness: ratio((r) => r.ceilingCpuMsPerJob),
    finalizeGrowth:
      bySize.length >= 2 && bySize[0].finalizeMsPer1000 > 0
        ? round(bySize.at(-1)!.finalizeMsPer1000 / bySize[0].finalizeMsPer1000, 2)
        : null,
    report,
  };
}

/** Resets this process's peak RSS (Linux: `5` to clear_refs); false where not allowed. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function currentRssMb(): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** A sink that counts bytes, as a slow-enough HTTP client would take them. */
function countingSink(): { sink: Writable; bytes: () => number } {
  let n = 0;
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      n += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      done();
    },
  });
  return { sink, bytes: () => n };
}

async function benchReport(ds: DataSource, runId: string): Promise<ReportFigures> {
  const run = await loadRun(ds, runId);
  if (!run) throw new Error(`run ${runId} not found for its report`);
  const rssBeforeMb = currentRssMb();
  const reset = resetPeakRss();
  const json = countingSink();
  let t0 = process.hrtime.bigint();
  await writeRunReportJson(ds, run, json.sink);
  const jsonSeconds = msSince(t0) / 1000;
  const jsonPeak = peakRssMb(process.pid);
  resetPeakRss();
  const csv = countingSink();
  t0 = process.hrtime.bigint();
  await writeResultsCsv(ds, run.id, {}, csv.sink);
  const csvSeconds = msSince(t0) / 1000;
  const [{ n }] = await ds.query(
    `SELECT count(*)::int AS n FROM reconciliation_results WHERE run_id = $1`,
    [runId],
  );
  return {
    results: n,
    jsonSeconds: round(jsonSeconds, 2)!,
    jsonBytes: json.bytes(),
    csvSeconds: round(csvSeconds, 2)!,
    csvBytes: csv.bytes(),
    jsonPeakRssMb: round(jsonPeak, 1),
    csvPeakRssMb: round(peakRssMb(process.pid), 1),
    rssBeforeMb: round(rssBeforeMb, 1),
    peakRssReset: reset,
  };
}
