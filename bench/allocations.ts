/**
 * What V8's sampling heap profiler saw allocated, summed by who allocated it: the innermost
 * frame of a package (`node_modules/<name>`) or of this product (`dist/libs/<lib>`,
 * `dist/apps/<app>`, `dist/bench/...`), else node's own code or V8 ("node").
 */
export interface SampledHeapProfile {
  head: SampledHeapNode;
}

interface SampledHeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampledHeapNode[];
}

export interface AllocationSummary {
  /** Bytes allocated while sampling (an estimate: one sample per ~8 KiB, scaled). */
  bytes: number;
  /** Bytes by owner (package, or `snap-recon/<lib>`), largest first. */
  byOwner: Record<string, number>;
  /** Bytes by the allocating function (`owner function:line`), the 20 largest. */
  byFunction: Record<string, number>;
}

/** The owner of one frame's code, or null for node's own code and V8's. */
export function ownerOf(url: string): string | null {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const ours = /\/dist\/(?:libs|apps|bench)\/([^/]+)/.exec(url);
  return ours ? `snap-recon/${ours[1]}` : null;
}

export function allocationSummary(
  profile: SampledHeapProfile,
  topFunctions = 20,
): AllocationSummary {
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let bytes = 0;
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  // Iterative walk; each entry carries the innermost owner on the path down to its node.
  const stack: { node: SampledHeapNode; owner: string | null }[] = [
    { node: profile.head, owner: null },
  ];
  while (stack.length > 0) {
    const { node, owner: above } = stack.pop()!;
    const { functionName, url, lineNumber } = node.callFrame;
    const own = ownerOf(url);
    const owner = own ?? above;
    if (node.selfSize > 0) {
      bytes += node.selfSize;
      add(byOwner, owner ?? 'node', node.selfSize);
      const file = url.startsWith('node:') ? url : (url.split('/').pop() ?? '');
      const where = `${own ?? 'node'} ${file}`.trim();
      add(byFunction, `${where} ${functionName || '(anonymous)'}:${lineNumber + 1}`, node.selfSize);
    }
    for (const child of node.children) stack.push({ node: child, owner });
  }
  return {
    bytes,
    byOwner: largestFirst(byOwner),
    byFunction: largestFirst(byFunction, topFunctions),
  };
}

/** Several summaries (workers, passes) as one: bytes and every table summed. */
export function sumAllocations(summaries: readonly AllocationSummary[]): AllocationSummary {
  const sum = (pick: (s: AllocationSummary) => Record<string, number>) => {
    const m = new Map<string, number>();
    for (const s of summaries)
      for (const [k, v] of Object.entries(pick(s))) m.set(k, (m.get(k) ?? 0) + v);
    return largestFirst(m);
  };
  return {
    bytes: summaries.reduce((a, s) => a + s.bytes, 0),
    byOwner: sum((s) => s.byOwner),
    byFunction: sum((s) => s.byFunction),
  };
}

function largestFirst(m: Map<string, number>, n = Infinity): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).slice(0, n));
}
