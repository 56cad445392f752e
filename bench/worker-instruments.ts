import type { AllocationSummary } from './allocations';
import type { Child } from './children';
import type { BenchContext } from './context';
import type { PerfBreakdown } from './perf-owners';
import { PerfRecording } from './perf-record';
import {
  gcPerAccount,
  GcPerAccount,
  probeNodeArgs,
  readGc,
  startAllocationSampling,
  stopAllocationSampling,
} from './probe';

/** What the instruments read from a pass's workers (product's or ceiling's alike). */
export interface WorkerReadings {
  /** Their garbage collection during the pass, per account (job). */
  gc: GcPerAccount;
  /** What they allocated (`--alloc-prof` only). */
  allocations: AllocationSummary | null;
  /** Where their CPU went (`perf`, when recorded). */
  perf: PerfBreakdown | null;
}

/** The node flags a bench worker needs for its instruments: the probe, and perf's symbol map. */
export function instrumentNodeArgs(dist: string, recordPerf: boolean): string[] {
  return [...probeNodeArgs(dist), ...(recordPerf ? ['--perf-basic-prof'] : [])];
}

/**
 * Starts the instruments on a pass's workers right before its measured run: GC totals always,
 * allocation sampling with `--alloc-prof`, `perf record` into `perfData` when given. The
 * function returned reads them all once the run has ended, per `n` accounts (jobs).
 */
export async function startWorkerInstruments(
  ctx: BenchContext,
  workers: Child[],
  perfData: string | null,
): Promise<(n: number) => Promise<WorkerReadings>> {
  const perf = perfData
    ? await PerfRecording.start(
        workers.map((w) => w.pid),
        perfData,
      )
    : null;
  if (perf) ctx.onCleanup('stop perf', async () => perf.kill());
  const gcBefore = await readGc(workers);
  if (ctx.options.allocProf) await startAllocationSampling(workers);
  return async (n) => ({
    gc: gcPerAccount(gcBefore, await readGc(workers), n),
    allocations: ctx.options.allocProf ? await stopAllocationSampling(workers) : null,
    perf: perf ? await perf.stop() : null,
  });
}
