import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformFileSync } from '@swc/core';
import { allocationSummary, ownerOf, SampledHeapProfile } from '../../bench/allocations';
import { Child, startChild, stopChild } from '../../bench/children';
import {
  gcPerAccount,
  readGc,
  startAllocationSampling,
  stopAllocationSampling,
} from '../../bench/probe';

/**
 * The bench's worker probe (bench/README.md, "GC and allocations"), preloaded into a real node
 * process over a real IPC channel, as the bench preloads it into the workers.
 */
describe('bench: the worker probe', () => {
  let dir: string;
  let child: Child;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'worker-probe-'));
    // The probe as the bench runs it: compiled to CommonJS, beside what it imports.
    for (const name of ['worker-probe', 'allocations']) {
      const { code } = transformFileSync(join(__dirname, `../../bench/${name}.ts`), {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      writeFileSync(join(dir, `${name}.js`), code);
    }
    // A "package" that allocates on a timer, so the probe's summary can name its owner.
    const pkg = join(dir, 'node_modules', 'busy-package');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'index.js'),
      `const kept = [];
       function allocateRecords() {
         for (let i = 0; i < 2000; i++) kept.push({ id: i, name: 'record-' + i, tags: [i, i + 1] });
         kept.length = 0;
       }
       setInterval(allocateRecords, 5);`,
    );
    child = startChild(
      'probed',
      join(pkg, 'index.js'),
      {},
      dir,
      ['--require', join(dir, 'worker-probe.js')],
      true,
    );
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(async () => {
    await stopChild(child, 2_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the garbage collections of the process, growing between two readings', async () => {
    const before = await readGc([child]);
    await new Promise((r) => setTimeout(r, 500));
    const after = await readGc([child]);
    expect(after[0].minor.count).toBeGreaterThan(before[0]?.minor?.count ?? 0);
    const per = gcPerAccount(before, after, 1000);
    expect(per.minorPer1000).toBeGreaterThan(0);
    expect(per.pauseMs).toBeGreaterThan(0);
  });

  it('samples what the process allocates and names the package and function that did', async () => {
    await startAllocationSampling([child]);
    await new Promise((r) => setTimeout(r, 500));
    const summary = await stopAllocationSampling([child]);
    expect(summary.bytes).toBeGreaterThan(1_000_000);
    expect(Object.keys(summary.byOwner)[0]).toBe('busy-package');
    expect(Object.keys(summary.byFunction)[0]).toMatch(
      /^busy-package index\.js allocateRecords:2$/,
    );
    // Sampling can start again after a stop.
    await startAllocationSampling([child]);
    expect((await stopAllocationSampling([child])).bytes).toBeGreaterThanOrEqual(0);
  });

  it('says so when a process has no probe channel', async () => {
    const plain = startChild(
      'plain',
      join(dir, 'node_modules', 'busy-package', 'index.js'),
      {},
      dir,
    );
    try {
      await expect(readGc([plain])).rejects.toThrow('plain has no probe channel');
    } finally {
      await stopChild(plain, 2_000);
    }
  });
});

describe('bench: allocations by owner', () => {
  type Node = SampledHeapProfile['head'];
  const frame = (url: string, functionName: string, selfSize: number, children: Node[] = []) => ({
    callFrame: { url, functionName, lineNumber: 9 },
    selfSize,
    children,
  });

  it('names a package, this product’s library, or node', () => {
    expect(ownerOf('file:///app/node_modules/@nestjs/core/x.js')).toBe('@nestjs/core');
    expect(ownerOf('/app/node_modules/pg/lib/utils.js')).toBe('pg');
    expect(ownerOf('/app/dist/libs/snap/src/http.js')).toBe('snap-recon/snap');
    expect(ownerOf('/app/dist/apps/worker/src/main.js')).toBe('snap-recon/worker');
    expect(ownerOf('node:internal/streams/readable')).toBeNull();
  });

  it('gives an allocation to the innermost package or library on its stack', () => {
    const profile = {
      head: frame('', '(root)', 0, [
        frame('/app/dist/libs/snap/src/http.js', 'exchange', 100, [
          // node's stream code called from ours: ours.
          frame('node:internal/streams/readable', 'createAsyncIterator', 40),
          frame('/app/node_modules/undici/lib/core/request.js', 'Request', 60, [
            frame('node:buffer', 'from', 8),
          ]),
        ]),
        frame('node:internal/timers', 'listOnTimeout', 2),
      ]),
    };
    const s = allocationSummary(profile);
    expect(s.bytes).toBe(210);
    expect(s.byOwner).toEqual({ 'snap-recon/snap': 140, undici: 68, node: 2 });
    expect(Object.entries(s.byFunction)[0]).toEqual(['snap-recon/snap http.js exchange:10', 100]);
    expect(s.byFunction['node node:internal/streams/readable createAsyncIterator:10']).toBe(40);
  });
});
