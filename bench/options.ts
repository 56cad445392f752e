import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** The sections `--only` / `--skip` can name, in the order they run. */
export const SECTIONS = [
  'ledger',
  'enqueue',
  'e2e',
  'realistic',
  'scale',
  'attribution',
  'append',
] as const;
export type Section = (typeof SECTIONS)[number];

/** Everything `npm run bench -- ...` accepts. */
export interface BenchOptions {
  /** Accounts of the end-to-end run and of the ceiling (same N). */
  accounts: number;
  /** End-to-end + ceiling pairs (and enqueue / ledger passes); medians are reported. */
  repeat: number;
  /** Worker processes (and ceiling processes). */
  workers: number;
  /** Jobs in flight per provider queue per worker process (the app's WORKER_CONCURRENCY). */
  concurrency: number | null;
  /** The app's DATABASE_POOL_SIZE for the workers (null: the app's default). */
  poolSize: number | null;
  /** Added by the simulator to every provider answer. */
  latencyMs: number;
  /** Rate limit per provider per second given to the workers (high: measure capacity). */
  rateLimit: number;
  /** Accounts of the enqueue measurement. */
  enqueueAccounts: number;
  /** Timed ledger lookups per history size per pass. */
  ledgerSamples: number;
  /** Entries of the append measurement (CSV import: twice as many rows). */
  appendEntries: number;
  /** Share of accounts whose provider balance differs from the ledger (real breaks). */
  mismatchShare: number;
  /** Accounts of the realistic scenario (latency distribution, the providers' own limits). */
  realisticAccounts: number;
  /** Its simulator latency: median and 99th percentile (ms), and the share of timeouts. */
  realisticLatency: { p50Ms: number; p99Ms: number; timeoutShare: number };
  /** Run sizes of the cost-as-work-grows rows (capacity mode, one pass each). */
  scaleSizes: number[];
  /** Accounts of the attribution measurement (all of them mismatched). */
  attributionAccounts: number;
  /** Accounts (jobs) of the warm-up run on the same workers before each measured e2e and ceiling run. */
  warmup: number;
  /**
   * The same before each cost-as-work-grows row (product and ceiling alike): larger, so that a
   * row measures a worker's cost per account, not V8 compiling a fresh process (a start-up
   * cost that would fall on the smallest run alone).
   */
  scaleWarmup: number;
  sections: Set<Section>;
  /** LOG_LEVEL of the worker processes. */
  logLevel: string;
  /** Drop and rebuild the cached 10,000,000-entry ledger. */
  rebuildLedger: boolean;
  /** Write V8 CPU profiles of the worker processes. */
  cpuProf: boolean;
  /** Sample the workers' allocations over each measured run (`--alloc-prof`). */
  allocProf: boolean;
  /** `perf record` the workers of the end-to-end and ceiling passes (`--perf`). */
  perf: boolean;
  /** Extra node flags of the worker processes, e.g. `--max-old-space-size=256`. */
  workerNodeOptions: string[];
  compare: string | null;
  outDir: string;
  /** Smoke mode: a tiny run that proves the benchmark works (accounts ≤ 1,000). */
  smoke: boolean;
}

export class UsageError extends Error {}

export const USAGE = `npm run bench -- [options]

  --accounts N          accounts end to end and in the ceiling (default 20000; 100000 = full size;
                        <= 1000 is smoke mode: 1 repeat, small enqueue/append/ledger figures)
  --repeat R            e2e/ceiling pairs, enqueue and ledger passes; medians (default 3, smoke 1)
  --workers P           worker processes, and ceiling processes (default 2)
  --concurrency C       jobs in flight per provider queue per worker (default: the app's, 50)
  --pool-size S         DATABASE_POOL_SIZE of the workers (default: the app's)
  --latency-ms L        simulator latency per provider answer (default 0)
  --rate-limit R        per-provider rate limit given to the workers (default 100000: capacity)
  --mismatch-share F    share of accounts with a real break (default 0.01)
  --enqueue-accounts N  accounts of the enqueue measurement (default 100000; smoke 5000)
  --ledger-samples N    timed lookups per history size per pass (default 2000; smoke 300)
  --append-entries N    entries of the ledger append measurement (default 100000; smoke 10000)
  --realistic-accounts N  accounts of the realistic scenario (default 20000; smoke 300)
  --realistic-latency P50,P99,SHARE  its latency median and p99 (ms) and timeout share
                        (default 150,1200,0.005)
  --scale-sizes A,B,C   run sizes of the cost-as-work-grows rows (default 1000,10000,100000;
                        smoke 150,300); the largest also times the run's JSON and CSV report
  --attribution-accounts N  accounts of the attribution cost measurement, all mismatched
                        (default 3000; smoke 150)
  --warmup N            accounts of a warm-up run on the same worker processes before each
                        measured end-to-end and ceiling run (default 3000; smoke 90;
                        0: measure fresh processes)
  --scale-warmup N      the same before each cost-as-work-grows row, product and ceiling
                        (default 20000, workers that have done one run of the default size;
                        smoke 90)
  --only a,b / --skip a,b   sections: ${SECTIONS.join(', ')}
  --log-level L         LOG_LEVEL of the workers (default info, as in production)
  --rebuild-ledger      drop and rebuild the cached bench_ledger schema
  --cpu-prof            write V8 CPU profiles of the worker processes under bench/results/profiles
  --alloc-prof          sample what the workers allocate during each measured run, by package
                        and function (the sampling costs CPU: read the CPU figures of such a run
                        as disturbed)
  --perf                where the workers' CPU goes, by package, in the end-to-end and ceiling
                        passes, side by side (needs Linux perf; adds --perf-basic-prof to both)
  --worker-node-options "FLAGS"  node flags for the worker processes (default: those of
                        package.json's start:worker, as deployed; "" for none)
  --compare FILE        print the change against a saved result (e.g. bench/results/latest.json)
  --out DIR             where results go (default bench/results)`;

/** The node flags of package.json's `start:worker` (e.g. its heap cap): workers run as deployed. */
function deployedWorkerNodeFlags(repoRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = pkg.scripts['start:worker'].split(/\s+/);
  if (command !== 'node') throw new Error(`start:worker does not start node: ${command}`);
  return args.filter((a) => a.startsWith('--'));
}

function int(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < min) {
    throw new UsageError(`${name}: ${JSON.stringify(text)} is not an integer >= ${min}`);
  }
  return n;
}

function intList(name: string, text: string | undefined, min: number): number[] {
  const list = (text ?? '').split(',').map((t) => int(name, t.trim(), min));
  if (list.length === 0) throw new UsageError(`${name}: expected a comma-separated list`);
  return [...new Set(list)].sort((a, b) => a - b);
}

function latencySpec(text: string): { p50Ms: number; p99Ms: number; timeoutShare: number } {
  const [p50, p99, share] = text.split(',').map((t) => Number(t.trim()));
  if (
    !Number.isInteger(p50) ||
    !Number.isInteger(p99) ||
    p50 < 0 ||
    p99 < p50 ||
    !(share >= 0 && share <= 1)
  ) {
    throw new UsageError(
      `--realistic-latency: ${JSON.stringify(text)} is not P50,P99,SHARE (integers ms, p99 >= p50, share 0 to 1)`,
    );
  }
  return { p50Ms: p50, p99Ms: p99, timeoutShare: share };
}

function sectionList(name: string, text: string | undefined): Section[] {
  const list = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (list.length === 0 || bad.length > 0) {
    throw new UsageError(`${name}: expected a comma-separated list of ${SECTIONS.join(', ')}`);
  }
  return list as Section[];
}

/** Parses the command line; throws {@link UsageError} naming the bad option. */
export function parseOptions(argv: string[], repoRoot: string): BenchOptions {
  const raw = new Map<string, string | true>();
  const known = [
    'accounts',
    'repeat',
    'workers',
    'concurrency',
    'pool-size',
    'latency-ms',
    'rate-limit',
    'mismatch-share',
    'enqueue-accounts',
    'ledger-samples',
    'append-entries',
    'realistic-accounts',
    'realistic-latency',
    'scale-sizes',
    'attribution-accounts',
    'warmup',
    'scale-warmup',
    'only',
    'skip',
    'log-level',
    'rebuild-ledger',
    'cpu-prof',
    'alloc-prof',
    'perf',
    'worker-node-options',
    'compare',
    'out',
    'help',
  ];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (!known.includes(key)) throw new UsageError(`unknown option --${key}`);
    const flag = ['rebuild-ledger', 'cpu-prof', 'alloc-prof', 'perf', 'help'].includes(key);
    if (flag) raw.set(key, true);
    else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${key} needs a value`);
      raw.set(key, value);
    }
  }
  if (raw.has('help')) throw new UsageError('');
  const text = (key: string) => {
    const v = raw.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  const accounts = raw.has('accounts') ? int('--accounts', text('accounts'), 3) : 20_000;
  const smoke = accounts <= 1000;
  let sections = new Set<Section>(SECTIONS);
  if (raw.has('only')) sections = new Set(sectionList('--only', text('only')));
  if (raw.has('skip')) for (const s of sectionList('--skip', text('skip'))) sections.delete(s);
  const mismatchShare = raw.has('mismatch-share') ? Number(text('mismatch-share')) : 0.01;
  if (!(mismatchShare >= 0 && mismatchShare <= 1))
    throw new UsageError('--mismatch-share: a number from 0 to 1');
  const path = (p: string) => (isAbsolute(p) ? p : resolve(process.cwd(), p));
  const orDefault = (key: string, def: number, min: number) =>
    raw.has(key) ? int(`--${key}`, text(key), min) : def;
  return {
    accounts,
    smoke,
    repeat: orDefault('repeat', smoke ? 1 : 3, 1),
    workers: orDefault('workers', 2, 1),
    concurrency: raw.has('concurrency') ? int('--concurrency', text('concurrency'), 1) : null,
    poolSize: raw.has('pool-size') ? int('--pool-size', text('pool-size'), 1) : null,
    latencyMs: orDefault('latency-ms', 0, 0),
    rateLimit: orDefault('rate-limit', 100_000, 1),
    enqueueAccounts: orDefault('enqueue-accounts', smoke ? 5_000 : 100_000, 1),
    ledgerSamples: orDefault('ledger-samples', smoke ? 300 : 2_000, 10),
    appendEntries: orDefault('append-entries', smoke ? 10_000 : 100_000, 1000),
    mismatchShare,
    realisticAccounts: orDefault('realistic-accounts', smoke ? 300 : 20_000, 3),
    realisticLatency: latencySpec(text('realistic-latency') ?? '150,1200,0.005'),
    scaleSizes: raw.has('scale-sizes')
      ? intList('--scale-sizes', text('scale-sizes'), 3)
      : smoke
        ? [150, 300]
        : [1_000, 10_000, 100_000],
    attributionAccounts: orDefault('attribution-accounts', smoke ? 150 : 3_000, 3),
    warmup: orDefault('warmup', smoke ? 90 : 3_000, 0),
    scaleWarmup: orDefault('scale-warmup', smoke ? 90 : 20_000, 0),
    sections,
    logLevel: text('log-level') ?? 'info',
    rebuildLedger: raw.has('rebuild-ledger'),
    cpuProf: raw.has('cpu-prof'),
    allocProf: raw.has('alloc-prof'),
    perf: raw.has('perf'),
    workerNodeOptions: raw.has('worker-node-options')
      ? (text('worker-node-options') ?? '').split(/\s+/).filter(Boolean)
      : deployedWorkerNodeFlags(repoRoot),
    compare: raw.has('compare') ? path(text('compare') ?? '') : null,
    outDir: path(text('out') ?? resolve(repoRoot, 'bench', 'results')),
  };
}
