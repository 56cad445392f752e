import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { Cluster, Redis } from 'ioredis';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { runMigrations } from '@app/infra';
import { balanceJobId, balanceQueueName } from '@app/queue';
import { RunsService } from '@app/reconciliation';
import { jakartaTimestamp, PROVIDERS, signTokenRequest } from '@app/snap';
import { CliModule } from '../apps/cli/src/cli.module';
import { freePort, waitForHttp } from '../apps/cli/src/demo/child-processes';
import { Child, startChild, stopChild, waitUntil } from './children';
import type { BenchContext } from './context';
import { deleteKeys } from './context';
import { SeededAccounts, seedAccounts, writeProviderFiles } from './e2e-seed';
import { queuePrefixes, readJobTimes } from './job-times';
import { countersPerAccount, readWorkerLogs, readCounters } from './counters';
import { Monitor, ResourceFigures } from './monitor';
import { instrumentNodeArgs, startWorkerInstruments, WorkerReadings } from './worker-instruments';
import { msSince, quantile, round } from './stats';
import { workersReady } from './workers-ready';

/** What one seeded scenario is: size, breaks, the simulator's latency, the workers' limits. */
export interface E2eSpec {
  /** Names the schema, simulator and logs ('' for the main end-to-end section). */
  tag: string;
  accounts: number;
  mismatchShare: number;
  /** Simulator latency: the fixed latency, or the median when `latencyP99Ms` is set. */
  latencyMs: number;
  latencyP99Ms?: number | null;
  timeoutShare?: number;
  /** Per-provider limit given to the workers; null keeps the providers' defaults. */
  rateLimit: number | null;
  /** More worker settings (e.g. ATTRIBUTION_ENABLED). */
  workerEnv?: Record<string, string>;
  /** Broken Netzme accounts get a provider history listing their ledger movements. */
  withHistory?: boolean;
  /**
   * Accounts of a warm-up run on the same worker processes before the measured run (0: the
   * measured run meets fresh processes). Deployed workers are long-lived: a run an hour after
   * the last meets compiled code and open connections, but no token it can reuse.
   */
  warmupAccounts?: number;
}

/** The seeded schema and the simulator shared by every end-to-end pass. */
export interface E2eSetup {
  spec: E2eSpec;
  schema: string;
  ds: DataSource;
  seeded: SeededAccounts;
  seedSeconds: number;
  simulator: Child;
  simulatorUrl: string;
  workerEnv: Record<string, string>;
  /** CPU ms of one token signature (RSA-2048, the Finnet key) in this process. */
  tokenSignatureMs: number;
}

/** One end-to-end run. */
export interface E2ePass {
  label: string;
  runId: string;
  accounts: number;
  /** Accounts over the run's wall time. */
  perSecond: number;
  /** Run started_at → finished_at (Postgres clock), seconds. */
  wallSeconds: number;
  /** createRun + enqueueRun of the run (workers already consuming), seconds. */
  enqueueSeconds: number;
  /** Per account: finishedOn − processedOn of its job (BullMQ), ms. */
  processingP50Ms: number;
  processingP99Ms: number;
  /** Per account: result checked_at − run started_at, ms. */
  timeToResultP50Ms: number;
  timeToResultP99Ms: number;
  /** Result counts by status, and whether they are what the scenario expects. */
  counts: Record<string, number>;
  correct: boolean;
  /** Token requests the simulator answered during the run, and credential sets in use. */
  tokenRequests: number;
  credentialSets: number;
  providerRequests: Record<string, number>;
  /** Requests per provider, every endpoint (tokens included), as the simulator counted them. */
  requestsByProvider: Record<string, number>;
  /** Most requests per provider in any sliding one-second window, as the simulator saw them. */
  busiestSecond: Record<string, number>;
  /** Per account: Redis commands, Postgres transactions, rows and statements. */
  perAccount: ReturnType<typeof countersPerAccount>;
  workerLogLinesPerAccount: number | null;
  /** Pacing slots the workers gave up, per provider (their log lines; warm-up run included). */
  pacingSlotsGivenUp: Record<string, number> | null;
  /** Last result written → run finished (summary, discrepancies), ms. */
  finalizeMs: number;
  /** Provider answers other than success (should be none). */
  providerFailures: Record<string, number>;
  workerStartSeconds: number;
  /** Accounts of the warm-up run before this one on the same workers, and its wall time. */
  warmupAccounts: number;
  warmupSeconds: number | null;
  resources: ResourceFigures;
  /** The workers' GC per account, allocations (`--alloc-prof`), CPU by owner (`--perf`, e2e only). */
  gc: WorkerReadings['gc'];
  allocations: WorkerReadings['allocations'];
  perf: WorkerReadings['perf'];
}

/** Seeds the schema and starts the simulator (once for all passes). */
export async function prepareE2e(
  ctx: BenchContext,
  redis: Redis | Cluster,
  spec: E2eSpec,
): Promise<E2eSetup> {
  const { options } = ctx;
  const schema = `bench_e2e_${ctx.id}${spec.tag ? `_${spec.tag}` : ''}`;
  ctx.dropSchemaAtCleanup(schema);
  const t0 = process.hrtime.bigint();
  await runMigrations({
    DATABASE_URL: ctx.databaseUrl,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_SIZE: 1,
  });
  const ds = await ctx.dataSource(schema, 4);
  const seeded = await seedAccounts(
    ds,
    spec.accounts,
    spec.mismatchShare,
    spec.withHistory,
    spec.warmupAccounts ?? 0,
  );
  const seedSeconds = msSince(t0) / 1000;
  ctx.say(
    `e2e${spec.tag ? ` (${spec.tag})` : ''}: seeded ${seeded.count.toLocaleString('en')} accounts with ${seeded.ledgerEntries.toLocaleString('en')} ledger entries in ${seedSeconds.toFixed(1)} s`,
  );
  const port = await freePort(0);
  const simulatorUrl = `http://127.0.0.1:${port}`;
  const files = writeProviderFiles(ctx.workDir, simulatorUrl, seeded, spec.tag, {
    latencyMs: spec.latencyMs,
    latencyP99Ms: spec.latencyP99Ms ?? null,
    timeoutShare: spec.timeoutShare ?? 0,
  });
  const simulator = startChild(
    `simulator${spec.tag ? `-${spec.tag}` : ''}`,
    join(ctx.dist, 'apps/snap-simulator/src/main.js'),
    {
      PORT: String(port),
      SIMULATOR_SEED_FILE: files.seedFile,
      SIMULATOR_LATENCY_MS: String(spec.latencyMs),
      LOG_LEVEL: 'warn',
    },
    ctx.workDir,
  );
  ctx.onCleanup('stop the simulator', () => stopChild(simulator));
  await waitForHttp(`${simulatorUrl}/health`, {}, 60_000, simulator.log);
  const rate = spec.rateLimit === null ? null : String(spec.rateLimit);
  const workerEnv: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: options.logLevel,
    DATABASE_URL: ctx.databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: ctx.redisUrl,
    WORKER_METRICS_PORT: '0',
    // Each break is checked again before it is final (one more balance call per break); with
    // no delay the run does not wait the production minute for it.
    RECON_RECHECK_DELAY_MS: '0',
    ...(rate
      ? Object.fromEntries(PROVIDERS.map((p) => [`RATE_LIMIT_${p.toUpperCase()}_PER_SECOND`, rate]))
      : {}),
    ...(options.concurrency ? { WORKER_CONCURRENCY: String(options.concurrency) } : {}),
    ...(options.poolSize ? { DATABASE_POOL_SIZE: String(options.poolSize) } : {}),
    ...files.env,
    ...spec.workerEnv,
  };
  void redis;
  const tokenSignatureMs = measureTokenSignatureMs(readFileSync(files.finnetKeyFile, 'utf8'));
  return {
    spec,
    schema,
    ds,
    seeded,
    seedSeconds,
    simulator,
    simulatorUrl,
    workerEnv,
    tokenSignatureMs,
  };
}

/**
 * What one B2B token signature costs here, as the worker makes it (`signTokenRequest` with a
 * parsed key): the floor of a token's cost, paid once per credential set per run. Timed by the
 * wall clock, median of 5 rounds: the loop is synchronous on this thread, and the process's
 * CPU time would also count its other threads (a garbage collection left over from seeding
 * doubled it in some runs).
 */
function measureTokenSignatureMs(privateKeyPem: string): number {
  const key = createPrivateKey(privateKeyPem);
  const sign = () => signTokenRequest('FINNET00000001', jakartaTimestamp(), key);
  for (let i = 0; i < 50; i++) sign(); // warm-up
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) sign();
    rounds.push(msSince(t0) / 100);
  }
  return round(quantile(rounds, 0.5), 3) ?? 0;
}

const PROVIDER_KINDS = ['token', 'balance', 'account-inquiry', 'history'] as const;

interface SimulatorStats {
  providers: Record<
    string,
    {
      requests: number;
      maxPerSecond: number;
      tokensIssued: number;
      byKind: Record<string, { requests: number; byCode: Record<string, number> }>;
    }
  >;
}

/** Waits until the run is no longer `running` (polling Postgres); its final status. */
async function waitForRunEnd(
  ds: DataSource,
  runId: string,
  timeoutMs: number,
  workers: Child[],
): Promise<string> {
  let status = 'running';
  await waitUntil(
    `run ${runId} to finish`,
    async () => {
      const [row] = await ds.query(`SELECT status FROM reconciliation_runs WHERE id = $1`, [runId]);
      status = row.status;
      return status !== 'running';
    },
    timeoutMs,
    workers,
    200,
  );
  return status;
}

/**
 * The warm-up run, when the scenario has warm-up accounts: only they are enabled while it runs,
 * then only the measured ones; the simulator's statistics start again after it. Seconds, or
 * null without one.
 */
async function warmUp(
  setup: E2eSetup,
  runs: RunsService,
  workers: Child[],
): Promise<number | null> {
  const { warmupFromId, warmupCount } = setup.seeded;
  if (warmupFromId === null) return null;
  const t0 = process.hrtime.bigint();
  await setup.ds.query(`UPDATE provider_accounts SET enabled = id >= $1`, [warmupFromId]);
  const run = await runs.start('cli');
  const status = await waitForRunEnd(setup.ds, run.runId, 120_000 + warmupCount * 20, workers);
  if (status !== 'finished') throw new Error(`warm-up run ${run.runId} ended ${status}`);
  // On a connection of its own that reports its statistics before the measured run's counters
  // are read (a backend sends them at most once a second, or after 10 s idle): the flip's
  // updated rows, one per account, were counted as the run's own before.
  const flip = setup.ds.createQueryRunner();
  try {
    await flip.query(`UPDATE provider_accounts SET enabled = id < $1`, [warmupFromId]);
    // The flip's dead rows are cleaned now, not by an autovacuum inside the measured run.
    await flip.query(`VACUUM (ANALYZE) provider_accounts`);
    // Postgres 15 and later (the machine's 15, compose's 16); older servers lack the function.
    await flip.query(
      `DO $$ BEGIN IF current_setting('server_version_num')::int >= 150000
         THEN PERFORM pg_stat_force_next_flush(); END IF; END $$`,
    );
    await flip.query(`SELECT 1`);
  } finally {
    await flip.release();
  }
  const reset = await fetch(`${setup.simulatorUrl}/admin/stats/reset`, { method: 'POST' });
  if (!reset.ok) throw new Error(`simulator stats reset answered ${reset.status}`);
  return msSince(t0) / 1000;
}

/** One end-to-end pass: fresh workers and queue prefix, a run through RunsService, its figures. */
export async function runE2ePass(
  ctx: BenchContext,
  setup: E2eSetup,
  redis: Redis | Cluster,
  label: string,
  extraWorkerEnv: Record<string, string> = {},
  /** `perf record` the workers during the run (they get `--perf-basic-prof`). */
  recordPerf = false,
): Promise<E2ePass> {
  const { options } = ctx;
  const prefix = `bench-${ctx.id}-${label}`;
  ctx.deleteKeysAtCleanup(prefix);
  // Tokens, external ids and stats of an earlier pass are forgotten: every pass starts cold.
  const reset = await fetch(`${setup.simulatorUrl}/admin/reset`, { method: 'POST' });
  if (!reset.ok) throw new Error(`simulator reset answered ${reset.status}`);

  const workers: Child[] = [];
  const t0 = process.hrtime.bigint();
  for (let w = 0; w < options.workers; w++) {
    const nodeArgs = [
      ...options.workerNodeOptions,
      ...instrumentNodeArgs(ctx.dist, recordPerf),
      ...(options.cpuProf
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${join(options.outDir, 'profiles')}`,
            `--cpu-prof-name=worker-${label}-${w}.cpuprofile`,
          ]
        : []),
    ];
    workers.push(
      startChild(
        `worker-${label}-${w}`,
        join(ctx.dist, 'apps/worker/src/main.js'),
        { ...setup.workerEnv, ...extraWorkerEnv, QUEUE_PREFIX: prefix },
        ctx.workDir,
        nodeArgs,
        true,
      ),
    );
  }
  const config = ctx.config(setup.schema, prefix);
  const producer = await NestFactory.createApplicationContext(
    CliModule.forRoot(
      config,
      pino({ level: 'warn' }, pino.destination(join(ctx.workDir, `producer-${label}.log`))),
    ),
    { logger: ['error'] },
  );
  try {
    const workerTimeout = 120_000 + setup.seeded.byProvider.finnet * 2; // key parsing grows with Finnet sets
    await waitUntil(
      'the workers to connect',
      () => workersReady(redis, ctx.redisConfig(prefix), options.workers),
      workerTimeout,
      workers,
      250,
    );
    const workerStartSeconds = msSince(t0) / 1000;
    const runs = producer.get(RunsService);
    const warmupSeconds = await warmUp(setup, runs, workers);
    const readInstruments = await startWorkerInstruments(
      ctx,
      workers,
      recordPerf ? join(ctx.workDir, `perf-${label}.data`) : null,
    );
    const monitor = new Monitor(setup.ds, redis, ctx.appName, workers, [setup.simulator]);
    await monitor.begin();
    const countersBefore = await readCounters(redis, setup.ds);
    const tEnqueue = process.hrtime.bigint();
    const run = await runs.start('cli');
    const enqueueSeconds = msSince(tEnqueue) / 1000;
    await waitForRunEnd(setup.ds, run.runId, 120_000 + setup.seeded.count * 20, workers);
    const resources = await monitor.end();
    const instruments = await readInstruments(setup.seeded.count);
    const stats = (await (
      await fetch(`${setup.simulatorUrl}/admin/stats`)
    ).json()) as SimulatorStats;
    await Promise.all(workers.map((w) => stopChild(w)));
    // After the stop: a worker's Postgres backends report their last statistics as they exit
    // (an idle one would hold them up to 10 s); its Redis commands at shutdown are a few.
    const countersAfter = await readCounters(redis, setup.ds);
    // After the stop: a worker logs its last pacing slots given up as it shuts down.
    const logs = readWorkerLogs(
      workers.map((w) => w.log),
      setup.seeded.count,
    );

    const [times] = await setup.ds.query(
      `SELECT extract(epoch FROM r.finished_at - r.started_at)::float8 AS wall,
              r.status, r.summary,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM x.checked_at - r.started_at)) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM x.checked_at - r.started_at)) AS p99,
              extract(epoch FROM r.finished_at - max(x.checked_at))::float8 AS finalize
         FROM reconciliation_runs r JOIN reconciliation_results x ON x.run_id = r.id
        WHERE r.id = $1 GROUP BY r.id`,
      [run.runId],
    );
    const jobs = await readJobTimes(
      redis,
      queuePrefixes(ctx.redisConfig(prefix)),
      setup.seeded.accounts.map((a) => ({
        queue: balanceQueueName(a.provider),
        id: balanceJobId(run.runId, a.id),
      })),
    );
    const counts = Object.fromEntries(
      Object.entries((times.summary?.counts ?? {}) as Record<string, number>).filter(
        ([, n]) => n > 0,
      ),
    );
    const expected = {
      matched: setup.seeded.count - setup.seeded.mismatches,
      mismatched: setup.seeded.mismatches,
    };
    const correct =
      times.status === 'finished' &&
      JSON.stringify(counts) ===
        JSON.stringify(Object.fromEntries(Object.entries(expected).filter(([, n]) => n > 0)));
    const providerRequests: Record<string, number> = {};
    const providerFailures: Record<string, number> = {};
    const requestsByProvider: Record<string, number> = {};
    const busiestSecond: Record<string, number> = {};
    let tokenRequests = 0;
    for (const [provider, p] of Object.entries(stats.providers)) {
      tokenRequests += p.tokensIssued;
      if (p.requests > 0) {
        requestsByProvider[provider] = p.requests;
        busiestSecond[provider] = p.maxPerSecond;
      }
      for (const kind of PROVIDER_KINDS) {
        const k = p.byKind[kind];
        if (!k || k.requests === 0) continue;
        providerRequests[`${provider}/${kind}`] = k.requests;
        for (const [code, n] of Object.entries(k.byCode)) {
          if (!code.startsWith('200')) providerFailures[`${provider}/${kind}/${code}`] = n;
        }
      }
    }
    await deleteKeys(ctx, prefix);
    const wall = Number(times.wall);
    return {
      label,
      runId: run.runId,
      accounts: setup.seeded.count,
      perSecond: round(setup.seeded.count / wall, 1)!,
      wallSeconds: round(wall, 2)!,
      enqueueSeconds: round(enqueueSeconds, 2)!,
      processingP50Ms: round(quantile(jobs.processingMs, 0.5), 1)!,
      processingP99Ms: round(quantile(jobs.processingMs, 0.99), 1)!,
      timeToResultP50Ms: round(Number(times.p50) * 1000, 0)!,
      timeToResultP99Ms: round(Number(times.p99) * 1000, 0)!,
      counts,
      correct,
      tokenRequests,
      credentialSets: setup.seeded.credentialSets,
      providerRequests,
      requestsByProvider,
      busiestSecond,
      perAccount: countersPerAccount(countersBefore, countersAfter, setup.seeded.count),
      workerLogLinesPerAccount: logs?.linesPerAccount ?? null,
      pacingSlotsGivenUp: logs?.slotsGivenUp ?? null,
      finalizeMs: round(Math.max(0, Number(times.finalize)) * 1000, 1)!,
      providerFailures,
      workerStartSeconds: round(workerStartSeconds, 1)!,
      warmupAccounts: setup.seeded.warmupCount,
      warmupSeconds: warmupSeconds === null ? null : round(warmupSeconds, 1)!,
      resources,
      ...instruments,
    };
  } finally {
    await producer.close();
    await Promise.all(workers.map((w) => stopChild(w)));
  }
}
