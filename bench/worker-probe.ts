/**
 * Preloaded into the bench's worker processes (`node --require dist/bench/worker-probe.js`),
 * product and ceiling alike; started with an IPC channel, it answers the bench:
 *
 * - `gc`: the process's garbage-collection pauses so far (main thread), by kind;
 * - `alloc-start` / `alloc-stop` (`--alloc-prof`): V8's sampling heap profiler over the
 *   measured run, objects collected since included, summed by the package that allocated.
 *
 * Nothing here runs in a deployed worker; the app's own GC figure is prom-client's
 * `nodejs_gc_duration_seconds` on the metrics port.
 */
import { Session } from 'node:inspector';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { allocationSummary, SampledHeapProfile } from './allocations';

export interface GcTotals {
  /** Per kind (minor = scavenge, major = mark-compact, incremental, weakcb): count and ms. */
  [kind: string]: { count: number; ms: number };
}

const KIND: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const gc: GcTotals = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = KIND[(entry as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
    const t = (gc[kind] ??= { count: 0, ms: 0 });
    t.count += 1;
    t.ms += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

let session: Session | null = null;

function post<T>(method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session!.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))),
  );
}

async function answer(message: { benchProbe?: string }): Promise<object | null> {
  switch (message.benchProbe) {
    case 'gc':
      return { gc };
    case 'alloc-start':
      session = new Session();
      session.connect();
      await post('HeapProfiler.startSampling', {
        samplingInterval: 8192,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      return {};
    case 'alloc-stop': {
      const { profile } = await post<{ profile: SampledHeapProfile }>('HeapProfiler.stopSampling');
      session!.disconnect();
      session = null;
      return { allocations: allocationSummary(profile) };
    }
    default:
      return null;
  }
}

if (process.send) {
  process.on('message', (message: { benchProbe?: string; id?: number }) => {
    answer(message).then(
      (reply) =>
        reply && process.send!({ benchProbe: message.benchProbe, id: message.id, ...reply }),
      (e: Error) =>
        process.send!({ benchProbe: message.benchProbe, id: message.id, error: e.message }),
    );
  });
  // The channel must not keep a worker that is shutting down alive.
  process.channel?.unref();
}
