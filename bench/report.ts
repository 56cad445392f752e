import { readFileSync } from 'node:fs';
import type { AttributionFigures } from './attribution';
import type { StatementPerAccount } from './counters';
import type { GcPerAccount } from './probe';
import type { RealisticFigures } from './realistic';
import type { ScaleFigures } from './scale';
import { quotient, round } from './stats';

/** The figures tools read from `bench/results/latest.json` (plus everything in `sections`). */
export interface BenchResult {
  version: 1;
  timestamp: string;
  machine: { nproc: number; cpuModel: string; memoryGiB: number; node: string };
  options: Record<string, unknown>;
  /** End to end, accounts per second (median of the passes). */
  endToEndPerSecond: number | null;
  /** The ceiling, jobs per second (median of the passes). */
  ceilingPerSecond: number | null;
  /** endToEndPerSecond / ceilingPerSecond. */
  ratio: number | null;
  e2eWallSeconds: number | null;
  /** The same run scaled to 100,000 accounts at the measured rate (measured when N = 100,000). */
  e2e100kSeconds: number | null;
  e2eProcessingP50Ms: number | null;
  e2eProcessingP99Ms: number | null;
  e2eTimeToResultP50Ms: number | null;
  e2eTimeToResultP99Ms: number | null;
  e2eCorrect: boolean | null;
  /** ledgerSnapshot p99 by history size (entries), ms. */
  ledgerP99Ms: Record<string, number | null> | null;
  ledgerP50Ms: Record<string, number | null> | null;
  ledgerRatio: number | null;
  enqueue100kSeconds: number | null;
  /** Largest peak RSS of any worker process (median over passes), MiB. */
  workerPeakRssMb: number | null;
  tokenRequestsPerRun: number | null;
  /** Redis commands and Postgres rows returned per account (medians of the end-to-end passes). */
  redisCommandsPerAccount?: number | null;
  postgresRowsReturnedPerAccount?: number | null;
  /** The workers' main-thread GC pauses per account, and the ceiling workers' per job, ms. */
  workerGcMsPerAccount?: number | null;
  ceilingWorkerGcMsPerJob?: number | null;
  /** KiB the workers allocated per account (`--alloc-prof` runs only). */
  workerAllocKibPerAccount?: number | null;
  credentialSets: number | null;
  postgresCpuSeconds: number | null;
  redisCpuSeconds: number | null;
  /** CPU ms per account of everything taking part (workers, simulator, Postgres, Redis, producer). */
  e2eCpuMsPerAccount: number | null;
  /** The same per ceiling job (workers, endpoint, Redis, producer). */
  ceilingCpuMsPerJob: number | null;
  /** The product's own CPU per account, ms: workers + Postgres + Redis + producer (median of passes). */
  productCpuMsPerAccount: number | null;
  /** The ceiling's: workers + Redis + producer per job, ms. */
  ceilingProductCpuMsPerJob: number | null;
  /** productCpuMsPerAccount ÷ ceilingProductCpuMsPerJob (issue 16: ≤ 2.0). */
  productCpuRatio: number | null;
  /**
   * The ceiling's CPU per job + the token signatures + Postgres's CPU per account, ms: the
   * product's CPU if its own code cost nothing more than the ceiling's ({@link productCpuFloorMs}).
   */
  productCpuFloorMsPerAccount?: number | null;
  /**
   * productCpuFloorMsPerAccount ÷ ceilingProductCpuMsPerJob: the lowest productCpuRatio can be
   * with this product's Postgres work and the protocol's token signatures.
   */
  productCpuFloorRatio?: number | null;
  /** The realistic scenario's run wall time, and the floor its providers' limits allow, s. */
  realisticWallSeconds: number | null;
  realisticFloorSeconds: number | null;
  /** Most requests in any sliding second per provider, as the simulator saw them. */
  realisticBusiestSecond: Record<string, number> | null;
  realisticLimits: Record<string, number> | null;
  realisticWorkerPeakRssMb: number | null;
  /** Largest ÷ smallest product CPU per account over the scale rows (≤ 1.3). */
  cpuFlatness: number | null;
  /** The same for the simulator (fixed work per request): how much of it the machine makes. */
  simulatorCpuFlatness?: number | null;
  /** The same for the ceiling's CPU per job (bare BullMQ + one POST) at the same sizes. */
  ceilingCpuFlatness?: number | null;
  /** Largest ÷ smallest finalize time per 1,000 accounts over the scale rows. */
  finalizeGrowth: number | null;
  /** The largest scale run's JSON report and CSV: seconds, and the producer's peak RSS. */
  reportJsonSeconds: number | null;
  reportCsvSeconds: number | null;
  reportPeakRssMb: number | null;
  /** The product's CPU per explained break (attribution on − off, per attributed account), ms. */
  attributionCpuMsPerBreak: number | null;
  appendInOrderPerSecond: number | null;
  csvImportRowsPerSecond: number | null;
  targets: TargetCheck[];
  sections: Record<string, unknown>;
}

/** Sampled allocations (`--alloc-prof`), KiB per account or job: in all, by owner, by function. */
export interface AllocationsPerAccount {
  total: number;
  byOwner: Record<string, number>;
  byFunction: Record<string, number>;
}

export interface TargetCheck {
  name: string;
  target: string;
  value: number | null;
  unit: string;
  met: boolean | null;
}

/** How the measured runs met their workers: after a warm-up run, or fresh. */
export function warmth(options: Record<string, unknown> | undefined): string {
  const warmup = Number(options?.warmup ?? 0);
  return warmup > 0
    ? `warm: a warm-up run of ${warmup.toLocaleString('en')} accounts (jobs) on the same processes first`
    : 'fresh processes (no warm-up run)';
}

/** The issue's targets, checked against a result. */
export function checkTargets(r: Omit<BenchResult, 'targets'>): TargetCheck[] {
  const check = (
    name: string,
    target: string,
    value: number | null,
    unit: string,
    ok: (v: number) => boolean,
  ): TargetCheck => ({
    name,
    target,
    value,
    unit,
    met: value === null ? null : ok(value),
  });
  const largest = r.ledgerP99Ms
    ? Object.keys(r.ledgerP99Ms)
        .map(Number)
        .sort((a, b) => b - a)[0]
    : null;
  const busiest = busiestOfLimit(r);
  const wallOverFloor = quotient(r.realisticWallSeconds, r.realisticFloorSeconds);
  return [
    check(
      'product CPU per account ÷ ceiling CPU per job',
      '<= 2.0 (bar 2.5)',
      r.productCpuRatio ?? null,
      '',
      (v) => v <= 2.0,
    ),
    {
      name: 'floor ÷ ceiling: ceiling + token signatures + Postgres',
      target: 'reported',
      value: r.productCpuFloorRatio ?? null,
      unit: '',
      met: null,
    },
    check('end-to-end / ceiling', '>= 0.5 (aim 0.7)', r.ratio, '', (v) => v >= 0.5),
    check('100,000 accounts end to end', '<= 120 s', r.e2e100kSeconds, 's', (v) => v <= 120),
    check(
      `ledger p99 at ${largest?.toLocaleString('en') ?? '?'} entries`,
      '<= 2 ms',
      largest && r.ledgerP99Ms ? r.ledgerP99Ms[String(largest)] : null,
      'ms',
      (v) => v <= 2,
    ),
    check('ledger p99 largest / smallest history', '<= 2', r.ledgerRatio, '', (v) => v <= 2),
    check('enqueue 100,000 jobs', '<= 10 s', r.enqueue100kSeconds, 's', (v) => v <= 10),
    check('worker peak RSS', '<= 300 MB', r.workerPeakRssMb, 'MiB', (v) => v <= 300),
    check('realistic: busiest second ÷ limit (worst provider)', '<= 1', busiest, '', (v) => v <= 1),
    {
      name: 'realistic: wall time ÷ floor the limits allow',
      target: 'reported',
      value: wallOverFloor,
      unit: '',
      met: null,
    },
    check(
      'realistic: worker peak RSS',
      '<= 300 MB',
      r.realisticWorkerPeakRssMb ?? null,
      'MiB',
      (v) => v <= 300,
    ),
    check(
      'CPU per account largest ÷ smallest run',
      '<= 1.3',
      r.cpuFlatness ?? null,
      '',
      (v) => v <= 1.3,
    ),
    {
      name: "ceiling's CPU per job largest ÷ smallest run (control)",
      target: 'reported',
      value: r.ceilingCpuFlatness ?? null,
      unit: '',
      met: null,
    },
    check(
      'finalize time per account largest ÷ smallest run',
      '<= 1.3 (linear)',
      r.finalizeGrowth ?? null,
      '',
      (v) => v <= 1.3,
    ),
  ];
}

/** The worst provider's busiest second as a share of its limit, or null. */
export function busiestOfLimit(
  r: Pick<BenchResult, 'realisticBusiestSecond' | 'realisticLimits'>,
): number | null {
  if (!r.realisticBusiestSecond || !r.realisticLimits) return null;
  const shares = Object.entries(r.realisticBusiestSecond).map(
    ([p, n]) => n / (r.realisticLimits?.[p] ?? Infinity),
  );
  return shares.length ? Math.round(Math.max(...shares) * 1000) / 1000 : null;
}

export const fmt = (v: unknown, unit = ''): string => {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v === 'number')
    return `${v.toLocaleString('en', { maximumFractionDigits: 3 })}${unit ? ` ${unit}` : ''}`;
  return String(v);
};

/** `workers 1.2 + simulator 0.3 + ... = 2.0`. */
function cpuLine(cpu: Record<string, number | null> | undefined): string {
  if (!cpu) return 'n/a';
  const parts = Object.entries(cpu)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${k} ${fmt(v)}`);
  return `${parts.join(' + ')} = ${fmt(cpu.total)}`;
}

/**
 * `--perf`: the workers' CPU by owner, the product's per account beside the ceiling's per job,
 * as rows of the result table.
 */
function cpuByOwnerRows(r: BenchResult): string[][] {
  type Res = { workerCpuByOwnerMs?: Record<string, number> | null } | undefined;
  const product = (r.sections.e2eResources as Res)?.workerCpuByOwnerMs;
  const ceiling = (r.sections.ceilingResources as Res)?.workerCpuByOwnerMs;
  if (!product && !ceiling) return [];
  const rows = [
    [
      "workers' CPU by where it went (perf), ms: product per account / ceiling per job",
      'product / ceiling / difference',
    ],
  ];
  const owners = [...new Set([...Object.keys(product ?? {}), ...Object.keys(ceiling ?? {})])];
  for (const owner of owners) {
    const p = product?.[owner] ?? 0;
    const c = ceiling?.[owner] ?? 0;
    if (p < 0.0005 && c < 0.0005) continue;
    rows.push([
      `  ${owner}`,
      `${fmt(round(p, 3))} / ${fmt(round(c, 3))} / ${fmt(round(p - c, 3))}`,
    ]);
  }
  return rows;
}

/** `0.041 ms (scavenges 7.1, mark-compacts 0.6 per 1,000)`. */
function gcLine(gc: GcPerAccount | null | undefined): string {
  if (!gc) return 'n/a';
  return `${fmt(gc.pauseMs)} ms (scavenges ${fmt(gc.minorPer1000)}, mark-compacts ${fmt(gc.majorPer1000)} per 1,000)`;
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [
    line(rows[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** The result as the Markdown table printed to stdout (and pasted into bench/README.md). */
export function resultTable(r: BenchResult): string {
  const rows: string[][] = [['figure', 'value']];
  const add = (name: string, value: unknown, unit = '') => rows.push([name, fmt(value, unit)]);
  const addAllocations = (per: string, alloc: AllocationsPerAccount | null | undefined) => {
    if (!alloc) return;
    add(
      `  per ${per}: allocated in the workers (sampled), KiB; by owner`,
      `${fmt(alloc.total)}: ${Object.entries(alloc.byOwner)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}`,
    );
    for (const [where, kib] of Object.entries(alloc.byFunction))
      add(`  per ${per}: allocated by (KiB)`, `${fmt(kib)}: ${where}`);
  };
  const e2e = r.sections.e2e as { passes: { perSecond: number }[] } | undefined;
  const ceiling = r.sections.ceiling as { passes: { perSecond: number }[] } | undefined;
  if (e2e) {
    add('end to end, accounts/s', r.endToEndPerSecond);
    add('  workers', warmth(r.options));
    add('  passes', e2e.passes.map((p) => p.perSecond).join(', '));
    add('  run wall time', r.e2eWallSeconds, 's');
    add(
      '  time per account (job processing) p50 / p99',
      `${fmt(r.e2eProcessingP50Ms)} / ${fmt(r.e2eProcessingP99Ms)} ms`,
    );
    add(
      '  result after run start p50 / p99',
      `${fmt(r.e2eTimeToResultP50Ms)} / ${fmt(r.e2eTimeToResultP99Ms)} ms`,
    );
    add('  100,000 accounts at this rate', r.e2e100kSeconds, 's');
    add('  results as expected', r.e2eCorrect);
    const res = (r.sections.e2eResources ?? {}) as {
      workerPeakRssMb?: (number | null)[][];
      foreignCpuPercent?: number | null;
      cpuMsPerAccount?: Record<string, number | null>;
      tokenSignatureCpuMsPerAccount?: number | null;
      tokenSignatureMs?: number;
      redisCommandsPerAccount?: number | null;
      redisCommandsByName?: Record<string, number> | null;
      postgresPerAccount?: Record<string, number> | null;
      postgresStatementsPerAccount?: StatementPerAccount[] | null;
      workerLogLinesPerAccount?: number | null;
      workerGc?: GcPerAccount | null;
      allocationsKibPerAccount?: AllocationsPerAccount | null;
    };
    add('  worker peak RSS (largest of any worker)', r.workerPeakRssMb, 'MiB');
    add(
      '  worker peak RSS per pass',
      (res.workerPeakRssMb ?? []).map((p) => p.join('/')).join(', '),
    );
    add('  CPU per account (ms)', cpuLine(res.cpuMsPerAccount));
    add(
      '  of which token signatures (in the workers)',
      `${fmt(res.tokenSignatureCpuMsPerAccount)} ms (RSA-2048, ${fmt(res.tokenSignatureMs)} ms each here)`,
    );
    add(
      '  per account: Redis commands (top 6; server-wide)',
      `${fmt(res.redisCommandsPerAccount)}: ${Object.entries(res.redisCommandsByName ?? {})
        .slice(0, 6)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}`,
    );
    add(
      '  per account: Postgres transactions; rows returned/fetched/inserted/updated (database-wide)',
      res.postgresPerAccount
        ? `${fmt(res.postgresPerAccount.xacts)}; ${fmt(res.postgresPerAccount.returned)}/${fmt(res.postgresPerAccount.fetched)}/${fmt(res.postgresPerAccount.inserted)}/${fmt(res.postgresPerAccount.updated)}`
        : 'n/a',
    );
    if (res.postgresStatementsPerAccount)
      for (const st of res.postgresStatementsPerAccount)
        add(
          '  per account: Postgres statement (pg_stat_statements): calls; exec + plan ms; rows',
          `${fmt(st.calls)}; ${fmt(st.execMs)} + ${fmt(st.planMs)}; ${fmt(st.rows)}: ${st.statement}`,
        );
    else
      add(
        '  per account: Postgres statements',
        'n/a (pg_stat_statements not loaded: bench/README.md)',
      );
    add('  per account: worker log lines', res.workerLogLinesPerAccount);
    add("  per account: workers' GC pauses (main thread)", gcLine(res.workerGc));
    addAllocations('account', res.allocationsKibPerAccount);
    add('  Postgres CPU (our backends + background)', r.postgresCpuSeconds, 's');
    add('  Redis CPU', r.redisCpuSeconds, 's');
    add('  other users of the machine during the passes', res.foreignCpuPercent, '% of CPU');
    add(
      '  token requests per run / credential sets',
      `${fmt(r.tokenRequestsPerRun)} / ${fmt(r.credentialSets)}`,
    );
  }
  if (ceiling) {
    add('ceiling (BullMQ + one keep-alive POST), jobs/s', r.ceilingPerSecond);
    add('  passes', ceiling.passes.map((p) => p.perSecond).join(', '));
    const res = (r.sections.ceilingResources ?? {}) as {
      cpuMsPerAccount?: Record<string, number | null>;
      foreignCpuPercent?: number | null;
      redisCommandsPerJob?: number | null;
      workerGc?: GcPerAccount | null;
      allocationsKibPerJob?: AllocationsPerAccount | null;
    };
    add('  CPU per job (ms)', cpuLine(res.cpuMsPerAccount));
    add('  per job: Redis commands (server-wide)', res.redisCommandsPerJob);
    add("  per job: workers' GC pauses (main thread)", gcLine(res.workerGc));
    addAllocations('job', res.allocationsKibPerJob);
    add('  other users of the machine during the passes', res.foreignCpuPercent, '% of CPU');
    rows.push(...cpuByOwnerRows(r));
    add('end to end / ceiling', r.ratio);
    add(
      'product CPU per account (workers + Postgres + Redis + producer)',
      r.productCpuMsPerAccount,
      'ms',
    );
    add("ceiling's CPU per job (workers + Redis + producer)", r.ceilingProductCpuMsPerJob, 'ms');
    add('  product ÷ ceiling', r.productCpuRatio);
    add(
      '  floor: ceiling + token signatures + Postgres (the product if its own code cost nothing more)',
      r.productCpuFloorMsPerAccount,
      'ms',
    );
    add(
      '  floor ÷ ceiling (product ÷ ceiling if nothing else cost more than the ceiling)',
      r.productCpuFloorRatio ?? null,
    );
  }
  const real = r.sections.realistic as RealisticFigures | undefined;
  if (real) {
    add(
      `realistic: ${real.accounts.toLocaleString('en')} accounts, latency p50 ${real.latency.p50Ms} / p99 ${real.latency.p99Ms} ms, ${real.latency.timeoutShare * 100} % timeouts, default limits`,
      '',
    );
    add(
      '  run wall time / floor the limits allow',
      `${fmt(r.realisticWallSeconds)} / ${fmt(r.realisticFloorSeconds)} s`,
    );
    for (const p of Object.keys(real.requestsByProvider)) {
      add(
        `  ${p}: requests (tokens incl.) ÷ limit = floor; busiest second`,
        `${fmt(real.requestsByProvider[p])} ÷ ${fmt(real.limits[p])}/s = ${fmt(real.floorByProvider[p])} s; ${fmt(real.busiestSecond[p])}/s`,
      );
    }
    add(
      '  pacing slots given up (reached too late by a busy worker)',
      real.pacingSlotsGivenUp ? JSON.stringify(real.pacingSlotsGivenUp) : null,
    );
    add('  worker peak RSS', real.workerPeakRssMb.join('/'), 'MiB');
    add(
      '  time per account p50 / p99',
      `${fmt(real.processingP50Ms)} / ${fmt(real.processingP99Ms)} ms`,
    );
    add('  product CPU per account', real.productCpuMsPerAccount, 'ms');
    add('  timeouts and other failed answers', JSON.stringify(real.providerFailures));
    add('  results as expected', real.correct);
  }
  const scale = r.sections.scale as ScaleFigures | undefined;
  if (scale) {
    add(
      'cost as work grows (capacity mode, one pass each)',
      warmth({ warmup: r.options?.scaleWarmup ?? r.options?.warmup }),
    );
    for (const row of scale.rows) {
      add(
        `  ${row.accounts.toLocaleString('en')} accounts: accounts/s; product (workers) CPU per account; simulator's; ceiling's per job; finalize`,
        `${fmt(row.perSecond)}; ${fmt(row.productCpuMsPerAccount)} (${fmt(row.workerCpuMsPerAccount)}) ms; ${fmt(row.simulatorCpuMsPerAccount)} ms; ${fmt(row.ceilingCpuMsPerJob ?? null)} ms; ${fmt(row.finalizeMs)} ms (${fmt(row.finalizeMsPer1000)} ms per 1,000)${row.correct ? '' : ' UNEXPECTED RESULTS'}`,
      );
    }
    add('  CPU per account largest ÷ smallest', r.cpuFlatness);
    add("  the simulator's (control: fixed work per request)", r.simulatorCpuFlatness ?? null);
    add("  the ceiling's per job (control: bare BullMQ + one POST)", r.ceilingCpuFlatness ?? null);
    add('  finalize per account largest ÷ smallest', r.finalizeGrowth);
    if (scale.report) {
      const rep = scale.report;
      add(
        `  report of ${rep.results.toLocaleString('en')} results: JSON / CSV`,
        `${fmt(rep.jsonSeconds)} s (${fmt(Math.round(rep.jsonBytes / 1024 / 1024))} MiB) / ${fmt(rep.csvSeconds)} s (${fmt(Math.round(rep.csvBytes / 1024 / 1024))} MiB)`,
      );
      add(
        `  producer peak RSS during JSON / CSV${rep.peakRssReset ? '' : ' (not resettable: process peak)'}`,
        `${fmt(rep.jsonPeakRssMb)} / ${fmt(rep.csvPeakRssMb)} MiB (${fmt(rep.rssBeforeMb)} MiB before)`,
      );
    }
  }
  const attr = r.sections.attribution as AttributionFigures | undefined;
  if (attr) {
    add(
      `attribution (${attr.accounts.toLocaleString('en')} accounts all mismatched, ${attr.attributed.toLocaleString('en')} with history)`,
      '',
    );
    add(
      '  product (workers) CPU per explained break',
      `${fmt(attr.productCpuMsPerAttributed)} (${fmt(attr.workerCpuMsPerAttributed)}) ms`,
    );
    add('  history requests per explained break', attr.historyRequestsPerAttributed);
    add('  run wall time off / on', `${fmt(attr.wallSecondsOff)} / ${fmt(attr.wallSecondsOn)} s`);
    add('  results as expected', attr.correct);
  }
  const ledger = r.sections.ledger as
    { tableRows: number; cached: boolean; balanceAsOfP99Ms: Record<string, number> } | undefined;
  if (ledger && r.ledgerP99Ms && r.ledgerP50Ms) {
    add(
      `ledger as of T (${ledger.tableRows.toLocaleString('en')}-row table${ledger.cached ? ', cached' : ''})`,
      '',
    );
    for (const size of Object.keys(r.ledgerP99Ms)) {
      add(
        `  ${Number(size).toLocaleString('en')} entries: ledgerSnapshot p50 / p99 (balanceAsOf p99)`,
        `${fmt(r.ledgerP50Ms[size])} / ${fmt(r.ledgerP99Ms[size])} ms (${fmt(ledger.balanceAsOfP99Ms[size])} ms)`,
      );
    }
    add('  p99 largest / smallest history', r.ledgerRatio);
  }
  const enq = r.sections.enqueue as
    | { accounts: number; totalSeconds: number; createRunSeconds: number; extrapolated: boolean }
    | undefined;
  if (enq) {
    add(
      `enqueue ${enq.accounts.toLocaleString('en')} jobs (createRun + enqueueRun)`,
      enq.totalSeconds,
      's',
    );
    add(`  of which createRun`, enq.createRunSeconds, 's');
    add(`  100,000 jobs${enq.extrapolated ? ' (scaled)' : ''}`, r.enqueue100kSeconds, 's');
  }
  const app = r.sections.append as Record<string, number> | undefined;
  if (app) {
    add(
      `ledger append ${app.entries.toLocaleString('en')} entries, in order`,
      app.inOrderPerSecond,
      'rows/s',
    );
    add('  1% back-dated', app.backdatedPerSecond, 'rows/s');
    add('  all duplicates', app.duplicatesPerSecond, 'rows/s');
    add('  validate a 10,000-entry API batch', app.validate10kMs, 'ms');
    add(`  CSV import ${app.csvRows.toLocaleString('en')} rows`, app.csvRowsPerSecond, 'rows/s');
    add('  CSV import peak heap', app.csvPeakHeapMb, 'MiB');
    add('  wrong running balances', app.wrongBalances);
  }
  return `${table(rows)}\n\n${targetsTable(r.targets)}`;
}

/** The targets as a Markdown table: each with its goal, value and whether it is met. */
export function targetsTable(targets: TargetCheck[], heading = 'target'): string {
  return table([
    [heading, 'goal', 'value', 'met'],
    ...targets.map((t) => [
      t.name,
      t.target,
      fmt(t.value, t.unit),
      t.met === null ? 'n/a' : t.met ? 'yes' : 'NO',
    ]),
  ]);
}

/** A saved result for `--compare` (read before latest.json is overwritten). */
export function loadResult(file: string): BenchResult {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  if (parsed?.version !== 1) throw new Error(`${file} is not a benchmark result`);
  return parsed;
}

/** Figures compared by `--compare`, with the direction that is better. */
export const COMPARED: { key: keyof BenchResult; label: string; better: 'higher' | 'lower' }[] = [
  { key: 'endToEndPerSecond', label: 'end to end, accounts/s', better: 'higher' },
  { key: 'ceilingPerSecond', label: 'ceiling, jobs/s', better: 'higher' },
  { key: 'ratio', label: 'end to end / ceiling', better: 'higher' },
  { key: 'e2eProcessingP50Ms', label: 'time per account p50, ms', better: 'lower' },
  { key: 'e2eProcessingP99Ms', label: 'time per account p99, ms', better: 'lower' },
  { key: 'e2e100kSeconds', label: '100,000 accounts, s', better: 'lower' },
  { key: 'enqueue100kSeconds', label: 'enqueue 100,000, s', better: 'lower' },
  { key: 'ledgerRatio', label: 'ledger p99 ratio', better: 'lower' },
  { key: 'workerPeakRssMb', label: 'worker peak RSS, MiB', better: 'lower' },
  { key: 'tokenRequestsPerRun', label: 'token requests per run', better: 'lower' },
  { key: 'redisCommandsPerAccount', label: 'Redis commands per account', better: 'lower' },
  {
    key: 'postgresRowsReturnedPerAccount',
    label: 'Postgres rows returned per account',
    better: 'lower',
  },
  { key: 'workerGcMsPerAccount', label: "workers' GC pauses per account, ms", better: 'lower' },
  {
    key: 'ceilingWorkerGcMsPerJob',
    label: "ceiling workers' GC pauses per job, ms",
    better: 'lower',
  },
  {
    key: 'workerAllocKibPerAccount',
    label: 'allocated per account (sampled), KiB',
    better: 'lower',
  },
  { key: 'e2eCpuMsPerAccount', label: 'CPU per account (all processes), ms', better: 'lower' },
  { key: 'ceilingCpuMsPerJob', label: 'ceiling CPU per job, ms', better: 'lower' },
  { key: 'productCpuMsPerAccount', label: 'product CPU per account, ms', better: 'lower' },
  { key: 'ceilingProductCpuMsPerJob', label: 'ceiling product CPU per job, ms', better: 'lower' },
  { key: 'productCpuRatio', label: 'product CPU ÷ ceiling', better: 'lower' },
  {
    key: 'productCpuFloorMsPerAccount',
    label: 'floor (ceiling + signatures + Postgres), ms',
    better: 'lower',
  },
  { key: 'realisticWallSeconds', label: 'realistic wall time, s', better: 'lower' },
  { key: 'realisticFloorSeconds', label: 'realistic floor, s', better: 'lower' },
  { key: 'realisticWorkerPeakRssMb', label: 'realistic worker peak RSS, MiB', better: 'lower' },
  { key: 'cpuFlatness', label: 'CPU per account largest ÷ smallest', better: 'lower' },
  {
    key: 'simulatorCpuFlatness',
    label: "simulator's CPU per account largest ÷ smallest (control)",
    better: 'lower',
  },
  {
    key: 'ceilingCpuFlatness',
    label: "ceiling's CPU per job largest ÷ smallest (control)",
    better: 'lower',
  },
  { key: 'finalizeGrowth', label: 'finalize per account largest ÷ smallest', better: 'lower' },
  { key: 'reportJsonSeconds', label: 'report JSON of the largest run, s', better: 'lower' },
  { key: 'reportCsvSeconds', label: 'report CSV of the largest run, s', better: 'lower' },
  { key: 'reportPeakRssMb', label: 'producer peak RSS during the report, MiB', better: 'lower' },
  { key: 'attributionCpuMsPerBreak', label: 'attribution CPU per break, ms', better: 'lower' },
  { key: 'appendInOrderPerSecond', label: 'ledger append, rows/s', better: 'higher' },
  { key: 'csvImportRowsPerSecond', label: 'CSV import, rows/s', better: 'higher' },
];

/** The change of each headline figure against a saved result. */
export function compareTable(current: BenchResult, old: BenchResult, file: string): string {
  const rows: string[][] = [['figure', 'before', 'now', 'change']];
  const change = (
    a: number | null | undefined,
    b: number | null | undefined,
    better: 'higher' | 'lower',
  ) => {
    if (typeof a !== 'number' || typeof b !== 'number' || a === 0) return 'n/a';
    const pct = ((b - a) / Math.abs(a)) * 100;
    const good = better === 'higher' ? pct > 0 : pct < 0;
    return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%${Math.abs(pct) >= 5 ? (good ? ' better' : ' WORSE') : ''}`;
  };
  for (const { key, label, better } of COMPARED) {
    const a = old[key] as number | null | undefined;
    const b = current[key] as number | null | undefined;
    if (a === undefined && b === undefined) continue;
    rows.push([label, fmt(a), fmt(b), change(a, b, better)]);
  }
  const sizes = new Set([
    ...Object.keys(old.ledgerP99Ms ?? {}),
    ...Object.keys(current.ledgerP99Ms ?? {}),
  ]);
  for (const size of sizes) {
    const a = old.ledgerP99Ms?.[size];
    const b = current.ledgerP99Ms?.[size];
    rows.push([
      `ledger p99 at ${Number(size).toLocaleString('en')} entries, ms`,
      fmt(a),
      fmt(b),
      change(a, b, 'lower'),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  const shape = (r: BenchResult) =>
    `${r.options?.accounts ?? '?'} accounts, ${r.options?.repeat ?? '?'} pass(es)`;
  const same = shape(old) === shape(current);
  return [
    `compared with ${file} (${old.timestamp}, ${shape(old)})` +
      (same
        ? ''
        : `\nNOTE: this run had ${shape(current)}: throughput and latency figures are not comparable`),
    line(rows[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}
