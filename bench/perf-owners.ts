import { ownerOf } from './allocations';

/**
 * Where processes' CPU went, from `perf script -F tid,ip,sym,dso` of a `perf record -g` with
 * `--perf-basic-prof` (JavaScript frames named `JS:*name /path/file.js:line:col`). Each sample
 * goes to one row, the first that fits:
 *
 * 1. OpenSSL anywhere on its stack (token signatures, HMAC, hashing);
 * 2. V8's optimizing compiler (its background thread, mostly);
 * 3. V8's garbage collector (main thread or its helper threads);
 * 4. the innermost package (or `snap-recon/<lib>`) among its JavaScript frames: everything that
 *    package's code caused, node's streams and the kernel's socket writes included;
 * 5. node's own JavaScript (timers, the microtask queue) with no package above it;
 * 6. the kernel, or node and V8's C++, with no JavaScript on the stack (epoll, libuv).
 */
export interface PerfBreakdown {
  samples: number;
  /** Share of the samples (0-1) per row, largest first. */
  shares: Record<string, number>;
}

export const OPENSSL = 'OpenSSL (signatures, HMAC)';
export const COMPILER = 'V8 optimizing compiler';
export const GC = 'V8 garbage collection';

/** Packages that are one library's parts, shown as that library. */
const FAMILY: Record<string, string> = {
  'pg-protocol': 'pg',
  'pg-pool': 'pg',
  'pg-types': 'pg',
  'postgres-date': 'pg',
  'postgres-array': 'pg',
  'postgres-interval': 'pg',
  'postgres-bytea': 'pg',
  'redis-parser': 'ioredis',
  'standard-as-callback': 'ioredis',
  denque: 'ioredis',
  msgpackr: 'bullmq',
};

const OPENSSL_SYMBOL =
  /^(EVP_|evp_|RSA_|rsa_|BN_|bn_|__bn_|int_bn_|ossl_|OPENSSL_|CRYPTO_|HMAC|sha\d+_|SHA\d+_|do_sigver|int_ctx_)/;
const COMPILER_SYMBOL =
  /v8::internal::(compiler::|turboshaft::|maglev::|OptimizingCompileDispatcher|OptimizedCompilationJob)/;
const GC_SYMBOL =
  /v8::internal::(Heap::(CollectGarbage|CollectAllGarbage|PerformGarbageCollection|Scavenge|MarkCompact|MinorMarkCompact|FinalizeIncrementalMarking|StartIncrementalMarking)|Scaveng|MarkCompactCollector|MinorMarkCompact|ConcurrentMarking|IncrementalMarking|Sweeper|\w*Evacuat|MinorGCJob|MarkingBarrier|MarkingVisitor|\w*MarkingTask)/;

interface Frame {
  sym: string;
  dso: string;
}

function rowOf(frames: Frame[]): string {
  if (frames.some((f) => OPENSSL_SYMBOL.test(f.sym))) return OPENSSL;
  if (frames.some((f) => COMPILER_SYMBOL.test(f.sym))) return COMPILER;
  if (frames.some((f) => GC_SYMBOL.test(f.sym))) return GC;
  let js = false;
  for (const f of frames) {
    if (!f.sym.startsWith('JS:')) continue;
    js = true;
    const owner = ownerOf(f.sym);
    if (owner) return FAMILY[owner] ?? owner;
  }
  if (js) return 'node (its own JavaScript)';
  return frames[0]?.dso.includes('kernel')
    ? 'kernel, no JavaScript on the stack'
    : 'node, V8, libuv and libc, no JavaScript on the stack';
}

/** Parses `perf script -F tid,ip,sym,dso` output (frames innermost first). */
export function perfBreakdown(script: string): PerfBreakdown {
  const counts = new Map<string, number>();
  let samples = 0;
  let frames: Frame[] | null = null;
  const flush = () => {
    if (frames && frames.length > 0) {
      const row = rowOf(frames);
      counts.set(row, (counts.get(row) ?? 0) + 1);
      samples += 1;
    }
    frames = null;
  };
  for (const line of script.split('\n')) {
    if (/^\s*\d+\s*$/.test(line)) {
      // A sample's header line (its thread id): its frames follow, innermost first.
      flush();
      frames = [];
      continue;
    }
    const m = /^\s+[0-9a-f]+ (.*) \((.*)\)\s*$/.exec(line);
    if (m && frames) frames.push({ sym: m[1], dso: m[2] });
  }
  flush();
  return {
    samples,
    shares: Object.fromEntries(
      [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, samples ? n / samples : 0]),
    ),
  };
}
