import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { postgresAnswers } from '../apps/cli/src/demo/local-services';
import { benchAppend, AppendFigures } from './append';
import { AttributionFigures, benchAttribution } from './attribution';
import { CeilingPass, prepareCeiling, runCeilingPass } from './ceiling';
import { stopAllChildren } from './children';
import { BenchContext } from './context';
import { E2ePass, prepareE2e, runE2ePass } from './e2e';
import { benchEnqueue, EnqueueFigures } from './enqueue';
import { benchLedgerAsOf, LedgerFigures } from './ledger-as-of';
import { BenchOptions, parseOptions, USAGE, UsageError } from './options';
import type { ResourceFigures } from './monitor';
import { machineInfo } from './proc';
import { ceilingProductCpuMs, cpuMsPer, productCpuFloorMs, productCpuMs } from './product-cpu';
import { benchRealistic, RealisticFigures } from './realistic';
import { benchScale, ScaleFigures } from './scale';
import { BenchResult, checkTargets, compareTable, loadResult, resultTable, warmth } from './report';
import { median, quotient, round } from './stats';
import { GcPerAccount, kibPerAccount } from './probe';
import { AllocationSummary, sumAllocations } from './allocations';
import type { PerfBreakdown } from './perf-owners';
import { perfUnavailable } from './perf-record';
import type { AllocationsPerAccount } from './report';

/**
 * `npm run bench`: the pipeline against the machine's own ceiling, the ledger as of T, enqueue
 * and ingestion throughput. Prints a table, writes bench/results/<timestamp>.json and
 * latest.json. See bench/README.md.
 */
async function main(): Promise<number> {
  let options: BenchOptions;
  const repoRoot = join(__dirname, '..', '..');
  try {
    options = parseOptions(process.argv.slice(2), repoRoot);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) process.stderr.write(`${e.message}\n\n`);
    process.stderr.write(`${USAGE}\n`);
    return e.message ? 2 : 0;
  }
  if (options.perf) {
    const why = perfUnavailable();
    if (why) {
      process.stderr.write(`--perf: ${why}\n`);
      return 2;
    }
  }
  let previous: BenchResult | null = null;
  if (options.compare) {
    try {
      previous = loadResult(options.compare);
    } catch (e) {
      process.stderr.write(`--compare: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const ctx = new BenchContext(options);
  if (!(await postgresAnswers(ctx.databaseUrl)) || !(await ctx.redisAnswers())) {
    process.stderr.write(
      `bench: Postgres (${ctx.databaseUrl}) or Redis (${ctx.redisUrl}) does not answer\n`,
    );
    return 1;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    void stopAllChildren()
      .then(() => ctx.cleanup(true))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  const machine = machineInfo();
  const started = new Date();
  const concurrency = options.concurrency ?? ctx.config('public', 'x').WORKER_CONCURRENCY;
  ctx.say(
    `snap-recon bench ${ctx.id}: ${options.accounts.toLocaleString('en')} accounts, ${options.workers} worker process(es) × 3 queues × concurrency ${concurrency}, ` +
      `${options.repeat} pass(es), workers ${warmth({ warmup: options.warmup })}, simulator latency ${options.latencyMs} ms, worker node flags "${options.workerNodeOptions.join(' ')}"${options.smoke ? ' (smoke mode)' : ''}`,
  );
  ctx.say(
    `machine: ${machine.nproc} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}; logs in ${ctx.workDir}`,
  );

  let ok = false;
  const sections: Record<string, unknown> = {};
  let ledger: LedgerFigures | null = null;
  let enqueue: EnqueueFigures | null = null;
  let append: AppendFigures | null = null;
  let realistic: RealisticFigures | null = null;
  let scale: ScaleFigures | null = null;
  let attribution: AttributionFigures | null = null;
  let e2eAllocations: AllocationsPerAccount | null = null;
  const e2ePasses: E2ePass[] = [];
  const ceilingPasses: CeilingPass[] = [];
  try {
    if (options.sections.has('ledger')) {
      ledger = await benchLedgerAsOf(ctx);
      sections.ledger = ledger;
      ctx.say(`ledger: p99 ${JSON.stringify(ledger.snapshotP99Ms)} ms, ratio ${ledger.ratio}`);
    }
    if (options.sections.has('enqueue')) {
      enqueue = await benchEnqueue(ctx);
      sections.enqueue = enqueue;
      ctx.say(
        `enqueue: ${enqueue.accounts.toLocaleString('en')} jobs in ${enqueue.totalSeconds} s`,
      );
    }
    const redis = ctx.redis();
    ctx.onCleanup('close Redis', () => redis.quit());
    if (options.sections.has('e2e')) {
      const setup = await prepareE2e(ctx, redis, {
        tag: '',
        accounts: options.accounts,
        mismatchShare: options.mismatchShare,
        latencyMs: options.latencyMs,
        rateLimit: options.rateLimit,
        warmupAccounts: options.warmup,
      });
      const ceiling = await prepareCeiling(ctx);
      // Alternating, so a disturbance of the machine hits both alike.
      for (let pass = 0; pass < options.repeat; pass++) {
        const e = await runE2ePass(ctx, setup, redis, `e2e${pass}`, {}, options.perf);
        e2ePasses.push(e);
        ctx.say(
          `e2e pass ${pass + 1}: ${e.perSecond} accounts/s, wall ${e.wallSeconds} s, p50/p99 ${e.processingP50Ms}/${e.processingP99Ms} ms, ` +
            `product CPU ${productCpuMs(e.resources, e.accounts)} ms/account, ` +
            `RSS ${e.resources.workerPeakRssMb.join('/')} MiB, tokens ${e.tokenRequests}, ${noise(e.resources, e.wallSeconds)}` +
            `${e.correct ? '' : `, UNEXPECTED RESULTS ${JSON.stringify(e.counts)}`}`,
        );
        const c = await runCeilingPass(
          ctx,
          ceiling,
          setup.ds,
          redis,
          pass,
          concurrency,
          options.warmup,
          undefined,
          options.perf,
        );
        ceilingPasses.push(c);
        ctx.say(
          `ceiling pass ${pass + 1}: ${c.perSecond} jobs/s, wall ${c.wallSeconds} s, p50/p99 ${c.processingP50Ms}/${c.processingP99Ms} ms, ` +
            `product CPU ${ceilingProductCpuMs(c.resources, c.jobs)} ms/job, ` +
            noise(c.resources, c.wallSeconds),
        );
      }
      sections.e2e = {
        setup: {
          accounts: setup.seeded.count,
          byProvider: setup.seeded.byProvider,
          mismatches: setup.seeded.mismatches,
          ledgerEntries: setup.seeded.ledgerEntries,
          seedSeconds: round(setup.seedSeconds, 1),
          tokenSignatureMs: setup.tokenSignatureMs,
        },
        passes: e2ePasses,
      };
      sections.ceiling = { passes: ceilingPasses };
      const med = <T>(list: T[], pick: (t: T) => number | null | undefined) =>
        median(list.map(pick));
      const sum = (list: (number | null)[]) => list.reduce<number>((a, b) => a + (b ?? 0), 0);
      e2eAllocations = allocationsPerAccount(e2ePasses);
      sections.e2eResources = {
        workerPeakRssMb: e2ePasses.map((p) => p.resources.workerPeakRssMb),
        machineBusyPercent: med(e2ePasses, (p) => p.resources.machineBusyPercent),
        foreignCpuPercent: round(
          med(e2ePasses, (p) => foreignPercent(p.resources, p.wallSeconds)),
          1,
        ),
        /** CPU milliseconds per account by process (medians of the passes). */
        cpuMsPerAccount: cpuTable(e2ePasses, (p) => ({
          workers: cpuMsPer(sum(p.resources.workerCpuSeconds), p.accounts),
          simulator: cpuMsPer(p.resources.otherCpuSeconds.simulator, p.accounts),
          postgres: cpuMsPer(p.resources.postgresCpuSeconds, p.accounts),
          redis: cpuMsPer(p.resources.redisCpuSeconds, p.accounts),
          producer: cpuMsPer(p.resources.benchCpuSeconds, p.accounts),
        })),
        /** Of the workers' CPU: token signatures, as token requests × one signature's cost. */
        tokenSignatureCpuMsPerAccount: round(
          med(e2ePasses, (p) => (p.tokenRequests * setup.tokenSignatureMs) / p.accounts),
          3,
        ),
        tokenSignatureMs: setup.tokenSignatureMs,
        /** Redis commands, Postgres transactions and rows, log lines per account (medians). */
        redisCommandsPerAccount: round(
          med(e2ePasses, (p) => p.perAccount?.redisTotal),
          3,
        ),
        redisCommandsByName: e2ePasses[Math.floor(e2ePasses.length / 2)]?.perAccount?.redis ?? null,
        postgresPerAccount:
          e2ePasses[Math.floor(e2ePasses.length / 2)]?.perAccount?.postgres ?? null,
        /** The costliest statements per account (pg_stat_statements; null without it). */
        postgresStatementsPerAccount:
          e2ePasses[Math.floor(e2ePasses.length / 2)]?.perAccount?.statements ?? null,
        workerLogLinesPerAccount: round(
          med(e2ePasses, (p) => p.workerLogLinesPerAccount),
          3,
        ),
        workerGc: medianGc(e2ePasses.map((p) => p.gc)),
        allocationsKibPerAccount: e2eAllocations,
        workerCpuByOwnerMs: cpuByOwner(e2ePasses.map((p) => ({ n: p.accounts, ...p }))),
      };
      sections.ceilingResources = {
        workerPeakRssMb: ceilingPasses.map((p) => p.resources.workerPeakRssMb),
        redisCommandsPerJob: round(
          med(ceilingPasses, (p) => p.perJob?.redisTotal),
          3,
        ),
        workerGc: medianGc(ceilingPasses.map((p) => p.gc)),
        workerCpuByOwnerMs: cpuByOwner(ceilingPasses.map((p) => ({ n: p.jobs, ...p }))),
        allocationsKibPerJob: allocationsPerAccount(
          ceilingPasses.map((p) => ({ accounts: p.jobs, allocations: p.allocations })),
        ),
        foreignCpuPercent: round(
          med(ceilingPasses, (p) => foreignPercent(p.resources, p.wallSeconds)),
          1,
        ),
        cpuMsPerAccount: cpuTable(ceilingPasses, (p) => ({
          workers: cpuMsPer(sum(p.resources.workerCpuSeconds), p.jobs),
          endpoint: cpuMsPer(p.resources.otherCpuSeconds['noop-endpoint'], p.jobs),
          redis: cpuMsPer(p.resources.redisCpuSeconds, p.jobs),
          producer: cpuMsPer(p.resources.benchCpuSeconds, p.jobs),
        })),
      };
    }
    if (options.sections.has('realistic')) {
      realistic = await benchRealistic(ctx, redis);
      sections.realistic = realistic;
      ctx.say(
        `realistic: ${realistic.accounts.toLocaleString('en')} accounts in ${realistic.wallSeconds} s (floor ${realistic.floorSeconds} s), busiest second ${JSON.stringify(realistic.busiestSecond)}`,
      );
    }
    if (options.sections.has('scale')) {
      scale = await benchScale(ctx, redis, concurrency);
      sections.scale = scale;
    }
    if (options.sections.has('attribution')) {
      attribution = await benchAttribution(ctx, redis);
      sections.attribution = attribution;
      ctx.say(
        `attribution: ${attribution.productCpuMsPerAttributed} ms product CPU per explained break (${attribution.attributed} attributed)`,
      );
    }
    if (options.sections.has('append')) {
      append = await benchAppend(ctx);
      sections.append = append;
    }
    ok = true;
  } catch (e) {
    process.stderr.write(
      `bench failed: ${(e as Error).stack ?? e}\n(logs kept in ${ctx.workDir})\n`,
    );
  } finally {
    await stopAllChildren();
    await ctx.cleanup(!ok);
  }
  if (!ok) return 1;

  const med = <T>(list: T[], pick: (t: T) => number | null | undefined) =>
    list.length ? round(median(list.map(pick)), 2) : null;
  const med3 = <T>(list: T[], pick: (t: T) => number | null | undefined) =>
    list.length ? round(median(list.map(pick)), 3) : null;
  const e2ePerSecond = med(e2ePasses, (p) => p.perSecond);
  const ceilingPerSecond = med(ceilingPasses, (p) => p.perSecond);
  const partial: Omit<BenchResult, 'targets'> = {
    version: 1,
    timestamp: started.toISOString(),
    machine,
    options: { ...options, sections: [...options.sections], concurrency },
    endToEndPerSecond: e2ePerSecond,
    ceilingPerSecond,
    ratio: e2ePerSecond && ceilingPerSecond ? round(e2ePerSecond / ceilingPerSecond, 3) : null,
    e2eWallSeconds: med(e2ePasses, (p) => p.wallSeconds),
    e2e100kSeconds: e2ePerSecond ? round(100_000 / e2ePerSecond, 1) : null,
    e2eProcessingP50Ms: med(e2ePasses, (p) => p.processingP50Ms),
    e2eProcessingP99Ms: med(e2ePasses, (p) => p.processingP99Ms),
    e2eTimeToResultP50Ms: med(e2ePasses, (p) => p.timeToResultP50Ms),
    e2eTimeToResultP99Ms: med(e2ePasses, (p) => p.timeToResultP99Ms),
    e2eCorrect: e2ePasses.length ? e2ePasses.every((p) => p.correct) : null,
    ledgerP99Ms: ledger?.snapshotP99Ms ?? null,
    ledgerP50Ms: ledger?.snapshotP50Ms ?? null,
    ledgerRatio: ledger?.ratio ?? null,
    enqueue100kSeconds: enqueue?.per100kSeconds ?? null,
    workerPeakRssMb: med(e2ePasses, (p) =>
      Math.max(...p.resources.workerPeakRssMb.map((v) => v ?? 0)),
    ),
    tokenRequestsPerRun: med(e2ePasses, (p) => p.tokenRequests),
    redisCommandsPerAccount: round(
      med(e2ePasses, (p) => p.perAccount?.redisTotal),
      2,
    ),
    postgresRowsReturnedPerAccount: round(
      med(e2ePasses, (p) => p.perAccount?.postgres?.returned),
      2,
    ),
    workerGcMsPerAccount: med(e2ePasses, (p) => p.gc.pauseMs),
    ceilingWorkerGcMsPerJob: med(ceilingPasses, (p) => p.gc.pauseMs),
    workerAllocKibPerAccount: e2eAllocations?.total ?? null,
    credentialSets: e2ePasses[0]?.credentialSets ?? null,
    postgresCpuSeconds: med(e2ePasses, (p) => p.resources.postgresCpuSeconds),
    redisCpuSeconds: med(e2ePasses, (p) => p.resources.redisCpuSeconds),
    e2eCpuMsPerAccount:
      (sections.e2eResources as { cpuMsPerAccount?: { total: number | null } } | undefined)
        ?.cpuMsPerAccount?.total ?? null,
    ceilingCpuMsPerJob:
      (sections.ceilingResources as { cpuMsPerAccount?: { total: number | null } } | undefined)
        ?.cpuMsPerAccount?.total ?? null,
    productCpuMsPerAccount: med3(e2ePasses, (p) => productCpuMs(p.resources, p.accounts)),
    ceilingProductCpuMsPerJob: med3(ceilingPasses, (p) => ceilingProductCpuMs(p.resources, p.jobs)),
    productCpuRatio: null,
    productCpuFloorMsPerAccount: null,
    productCpuFloorRatio: null,
    realisticWallSeconds: realistic?.wallSeconds ?? null,
    realisticFloorSeconds: realistic?.floorSeconds ?? null,
    realisticBusiestSecond: realistic?.busiestSecond ?? null,
    realisticLimits: realistic?.limits ?? null,
    realisticWorkerPeakRssMb: realistic
      ? Math.max(...realistic.workerPeakRssMb.map((v) => v ?? 0))
      : null,
    cpuFlatness: scale?.cpuFlatness ?? null,
    simulatorCpuFlatness: scale?.simulatorCpuFlatness ?? null,
    ceilingCpuFlatness: scale?.ceilingCpuFlatness ?? null,
    finalizeGrowth: scale?.finalizeGrowth ?? null,
    reportJsonSeconds: scale?.report?.jsonSeconds ?? null,
    reportCsvSeconds: scale?.report?.csvSeconds ?? null,
    reportPeakRssMb: scale?.report
      ? Math.max(scale.report.jsonPeakRssMb ?? 0, scale.report.csvPeakRssMb ?? 0)
      : null,
    attributionCpuMsPerBreak: attribution?.productCpuMsPerAttributed ?? null,
    appendInOrderPerSecond: append?.inOrderPerSecond ?? null,
    csvImportRowsPerSecond: append?.csvRowsPerSecond ?? null,
    sections,
  };
  partial.productCpuRatio = quotient(
    partial.productCpuMsPerAccount,
    partial.ceilingProductCpuMsPerJob,
  );
  const e2eCpu = sections.e2eResources as
    | {
        cpuMsPerAccount?: { postgres?: number | null };
        tokenSignatureCpuMsPerAccount?: number | null;
      }
    | undefined;
  partial.productCpuFloorMsPerAccount = productCpuFloorMs(
    partial.ceilingProductCpuMsPerJob,
    e2eCpu?.tokenSignatureCpuMsPerAccount ?? null,
    e2eCpu?.cpuMsPerAccount?.postgres ?? null,
  );
  partial.productCpuFloorRatio = quotient(
    partial.productCpuFloorMsPerAccount,
    partial.ceilingProductCpuMsPerJob,
  );
  const result: BenchResult = { ...partial, targets: checkTargets(partial) };
  ctx.say('');
  ctx.say(resultTable(result));
  mkdirSync(options.outDir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(join(options.outDir, `${stamp}.json`), json);
  writeFileSync(join(options.outDir, 'latest.json'), json);
  ctx.say(`\nwritten: ${join(options.outDir, `${stamp}.json`)} and latest.json`);
  if (previous && options.compare) {
    ctx.say('');
    ctx.say(compareTable(result, previous, options.compare));
  }
  return 0;
}

/** Share of the machine's CPU used by other users during a pass, percent. */
function foreignPercent(r: ResourceFigures, wallSeconds: number): number | null {
  return r.foreignCpuSeconds === null
    ? null
    : (r.foreignCpuSeconds / (wallSeconds * cpus().length)) * 100;
}

function noise(r: ResourceFigures, wallSeconds: number): string {
  const f = foreignPercent(r, wallSeconds);
  return `other users ${f === null ? 'n/a' : `${f.toFixed(0)}%`} of the CPU (load ${r.loadAverageAtStart})`;
}

/** Medians per key of per-pass CPU figures, plus their total. */
function cpuTable<T>(
  passes: T[],
  pick: (p: T) => Record<string, number | null>,
): Record<string, number | null> {
  const rows = passes.map(pick);
  const keys = Object.keys(rows[0] ?? {});
  const out: Record<string, number | null> = {};
  for (const k of keys) out[k] = round(median(rows.map((r) => r[k])), 3);
  out.total = round(
    median(rows.map((r) => Object.values(r).reduce<number>((a, b) => a + (b ?? 0), 0))),
    3,
  );
  return out;
}

/**
 * The workers' CPU per account (job) by where `perf` saw it go: each pass's share of the samples
 * times its workers' CPU per account (from /proc), averaged over the passes that have it.
 */
function cpuByOwner(
  passes: { n: number; perf: PerfBreakdown | null; resources: ResourceFigures }[],
): Record<string, number> | null {
  const recorded = passes.filter((p) => p.perf && p.perf.samples > 0);
  if (recorded.length === 0) return null;
  const ms: Record<string, number> = {};
  for (const p of recorded) {
    const workersMs = cpuMsPer(
      p.resources.workerCpuSeconds.reduce<number>((a, b) => a + (b ?? 0), 0),
      p.n,
    )!;
    for (const [row, share] of Object.entries(p.perf!.shares))
      ms[row] = (ms[row] ?? 0) + (share * workersMs) / recorded.length;
  }
  return Object.fromEntries(
    Object.entries(ms)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, round(v, 4)!]),
  );
}

/** Medians per figure of the passes' GC per account (or job). */
function medianGc(list: GcPerAccount[]): GcPerAccount | null {
  if (list.length === 0) return null;
  const m = (pick: (g: GcPerAccount) => number) => median(list.map(pick)) ?? 0;
  return {
    pauseMs: m((g) => g.pauseMs),
    minorPer1000: m((g) => g.minorPer1000),
    majorPer1000: m((g) => g.majorPer1000),
  };
}

/** The sampled allocations of the passes that have them, summed, in KiB per account (job). */
function allocationsPerAccount(
  passes: { accounts: number; allocations: AllocationSummary | null }[],
): AllocationsPerAccount | null {
  const sampled = passes.filter((p) => p.allocations);
  if (sampled.length === 0) return null;
  const accounts = sampled.reduce((a, p) => a + p.accounts, 0);
  const all = sumAllocations(sampled.map((p) => p.allocations!));
  return {
    total: round(all.bytes / 1024 / accounts, 1)!,
    byOwner: kibPerAccount(all.byOwner, accounts, 10),
    byFunction: kibPerAccount(all.byFunction, accounts, 15),
  };
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    void stopAllChildren().finally(() => process.exit(1));
  },
);
