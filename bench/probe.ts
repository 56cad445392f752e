import { join } from 'node:path';
import { AllocationSummary, sumAllocations } from './allocations';
import type { Child } from './children';
import type { GcTotals } from './worker-probe';
import { round } from './stats';

/** The node flags that preload the probe into a worker process (started with `ipc`). */
export function probeNodeArgs(dist: string): string[] {
  return ['--require', join(dist, 'bench/worker-probe.js')];
}

let nextId = 1;

/** Asks one worker's probe; rejects after `timeoutMs` or if the worker has no probe. */
function ask<T>(child: Child, what: string, timeoutMs = 15_000): Promise<T> {
  const p = child.process;
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    if (!p.connected) return reject(new Error(`${child.name} has no probe channel`));
    const timer = setTimeout(() => {
      p.off('message', onMessage);
      reject(new Error(`${child.name} did not answer the probe's ${what} in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: { benchProbe?: string; id?: number; error?: string }) => {
      if (m?.id !== id) return;
      clearTimeout(timer);
      p.off('message', onMessage);
      if (m.error) reject(new Error(`${child.name} probe ${what}: ${m.error}`));
      else resolve(m as T);
    };
    p.on('message', onMessage);
    p.send({ benchProbe: what, id });
  });
}

/** Each worker's GC pauses so far. */
export async function readGc(workers: Child[]): Promise<GcTotals[]> {
  return Promise.all(workers.map(async (w) => (await ask<{ gc: GcTotals }>(w, 'gc')).gc));
}

/** The workers' GC between two readings, per account (or job). */
export interface GcPerAccount {
  /** Main-thread GC pauses, ms per account, every kind. */
  pauseMs: number;
  /** Scavenges (minor) and mark-compacts (major) per 1,000 accounts. */
  minorPer1000: number;
  majorPer1000: number;
}

export function gcPerAccount(before: GcTotals[], after: GcTotals[], n: number): GcPerAccount {
  let pauseMs = 0;
  let minor = 0;
  let major = 0;
  after.forEach((a, i) => {
    for (const [kind, t] of Object.entries(a)) {
      const b = before[i]?.[kind] ?? { count: 0, ms: 0 };
      pauseMs += t.ms - b.ms;
      if (kind === 'minor') minor += t.count - b.count;
      if (kind === 'major') major += t.count - b.count;
    }
  });
  return {
    pauseMs: round(pauseMs / n, 4)!,
    minorPer1000: round((minor * 1000) / n, 2)!,
    majorPer1000: round((major * 1000) / n, 2)!,
  };
}

export function startAllocationSampling(workers: Child[]): Promise<unknown> {
  return Promise.all(workers.map((w) => ask(w, 'alloc-start')));
}

/** Stops the sampling in every worker; what they allocated together, in bytes. */
export async function stopAllocationSampling(workers: Child[]): Promise<AllocationSummary> {
  return sumAllocations(
    await Promise.all(
      workers.map(
        async (w) =>
          (await ask<{ allocations: AllocationSummary }>(w, 'alloc-stop', 60_000)).allocations,
      ),
    ),
  );
}

/** Bytes to KiB per account, and the largest entries of a by-owner or by-function table. */
export function kibPerAccount(
  table: Record<string, number>,
  n: number,
  top: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(table)
      .slice(0, top)
      .map(([k, v]) => [k, round(v / 1024 / n, 2)!]),
  );
}
