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
  // Iterative walk: owners[i] is the innermost owner on the path to stack[i].
  const stack: { node: SampledHeapNode; owner: string | null }[] = [
    { node: profile.head, owner: null },
  ];
  while (stack.length > 0) {
    const { node, owner: above } = stack.pop()!;
    const owner = ownerOf(node.callFrame.url) ?? above;
    if (node.selfSize > 0) {
      bytes += node.selfSize;
      add(byOwner, owner ?? 'node', node.selfSize);
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url.startsWith('node:') ? url : (url.split('/').pop() ?? '');
      const where = `${ownerOf(url) ?? 'node'} ${file}`.trim();
      add(byFunction, `${where} ${functionName || '(anonymous)'}:${lineNumber + 1}`, node.selfSize);
    }
    for (const child of node.children) stack.push({ node: child, owner });
  }
  const sorted = (m: Map<string, number>, n = Infinity) =>
    Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).slice(0, n));
  return { bytes, byOwner: sorted(byOwner), byFunction: sorted(byFunction, topFunctions) };
}
