import { balanceQueuePrefix } from '@app/infra';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { freePort, waitForHttp } from '../apps/cli/src/demo/child-processes';
import { balanceJobOptions, balanceQueueName, JOB } from '@app/queue';
import { PROVIDERS, ProviderName } from '@app/snap';
import { Child, startChild, stopChild, waitUntil } from './children';
import type { BenchContext } from './context';
import { deleteKeys } from './context';
import { queuePrefixes, readJobTimes } from './job-times';
import { countersPerAccount, readCounters } from './counters';
import { Monitor, ResourceFigures } from './monitor';
import { instrumentNodeArgs, startWorkerInstruments, WorkerReadings } from './worker-instruments';
import { msSince, quantile, round } from './stats';
import { workersReady } from './workers-ready';
import type { DataSource } from 'typeorm';

export interface CeilingSetup {
  endpoint: Child;
  url: string;
}

export interface CeilingPass {
  jobs: number;
  perSecond: number;
  /** First enqueue → last job finished, seconds. */
  wallSeconds: number;
  enqueueSeconds: number;
  processingP50Ms: number;
  processingP99Ms: number;
  /** Per job: Redis commands (as in the end-to-end pass, server-wide). */
  perJob: ReturnType<typeof countersPerAccount>;
  resources: ResourceFigures;
  /** The ceiling workers' GC per job, allocations (`--alloc-prof`) and CPU by owner (`--perf`). */
  gc: WorkerReadings['gc'];
  allocations: WorkerReadings['allocations'];
  perf: WorkerReadings['perf'];
}

/** Starts the do-nothing HTTP endpoint (once for all passes). */
export async function prepareCeiling(ctx: BenchContext): Promise<CeilingSetup> {
  const port = await freePort(0);
  const endpoint = startChild(
    'noop-endpoint',
    join(ctx.dist, 'bench/ceiling/noop-server.js'),
    { PORT: String(port) },
    ctx.workDir,
  );
  ctx.onCleanup('stop the do-nothing endpoint', () => stopChild(endpoint));
  const url = `http://127.0.0.1:${port}/noop`;
  await waitForHttp(url, {}, 30_000, endpoint.log);
  return { endpoint, url };
}

/** N jobs of a run id, over the three queues, in chunks of 1,000 accounts (one addBulk each). */
async function enqueueCeilingJobs(
  queues: Record<ProviderName, Queue>,
  runId: string,
  n: number,
): Promise<{ queue: string; id: string }[]> {
  const jobOptions = balanceJobOptions({
    JOB_ATTEMPTS: 5,
    JOB_BACKOFF_MS: 1000,
    JOB_BACKOFF_JITTER: 0.5,
  });
  const refs: { queue: string; id: string }[] = [];
  for (let i = 0; i < n; i += 1000) {
    const byProvider = new Map<ProviderName, { name: string; data: object; opts: object }[]>();
    for (let k = i; k < Math.min(n, i + 1000); k++) {
      const provider = PROVIDERS[k % 3];
      const accountId = String(k + 1);
      const jobId = `run-${runId}-account-${accountId}`;
      const list = byProvider.get(provider) ?? [];
      list.push({
        name: JOB.balanceInquiry,
        data: { runId, accountId, provider, stage: 'first' },
        opts: { ...jobOptions, jobId },
      });
      byProvider.set(provider, list);
      refs.push({ queue: balanceQueueName(provider), id: jobId });
    }
    for (const [provider, jobs] of byProvider) await queues[provider].addBulk(jobs);
  }
  return refs;
}

/**
 * Section 2, one pass: the same N jobs over the same three queues, the same job options, the
 * same number of processes and concurrency as the end-to-end run, enqueued the same way
 * (chunks of 1,000 accounts, one addBulk per provider), with a processor that only POSTs;
 * after `warmup` jobs on the same processes when the end-to-end pass has a warm-up run.
 */
export async function runCeilingPass(
  ctx: BenchContext,
  setup: CeilingSetup,
  ds: DataSource,
  redis: Redis | Cluster,
  pass: number | string,
  concurrency: number,
  warmup: number,
  /** Jobs in the measured pass (default `--accounts`). */
  n = ctx.options.accounts,
  /** `perf record` the ceiling workers during the pass (they get `--perf-basic-prof`). */
  recordPerf = false,
): Promise<CeilingPass> {
  const { options } = ctx;
  const prefix = `bench-${ctx.id}-ceiling${pass}`;
  ctx.deleteKeysAtCleanup(prefix);
  const workers: Child[] = [];
  for (let w = 0; w < options.workers; w++) {
    workers.push(
      startChild(
        `ceiling${pass}-${w}`,
        join(ctx.dist, 'bench/ceiling/ceiling-worker.js'),
        {
          REDIS_URL: ctx.redisUrl,
          QUEUE_PREFIX: prefix,
          CONCURRENCY: String(concurrency),
          TARGET_URL: setup.url,
        },
        ctx.workDir,
        // The product's workers' node flags (the heap cap of `npm run start:worker`): both sides
        // of the ratio run as deployed.
        [...options.workerNodeOptions, ...instrumentNodeArgs(ctx.dist, recordPerf)],
        true,
      ),
    );
  }
  const queues = Object.fromEntries(
    PROVIDERS.map((p) => [
      p,
      new Queue(balanceQueueName(p), {
        connection: redis,
        prefix: balanceQueuePrefix(ctx.redisConfig(prefix), p),
      }),
    ]),
  ) as Record<ProviderName, Queue>;
  try {
    await waitUntil(
      'the ceiling workers to connect',
      () => workersReady(redis, ctx.redisConfig(prefix), options.workers),
      60_000,
      workers,
      100,
    );
    const finished = (total: number) =>
      waitUntil(
        'the ceiling jobs to finish',
        async () => {
          const done = await Promise.all(Object.values(queues).map((q) => q.getCompletedCount()));
          return done.reduce((a, b) => a + b, 0) >= total;
        },
        60_000 + total * 5,
        workers,
        50,
      );
    // Warm-up jobs on the same processes first, as the end-to-end pass has a warm-up run.
    if (warmup > 0) {
      await enqueueCeilingJobs(queues, `w${pass}`, warmup);
      await finished(warmup);
    }
    const readInstruments = await startWorkerInstruments(
      ctx,
      workers,
      recordPerf ? join(ctx.workDir, `perf-ceiling${pass}.data`) : null,
    );
    const monitor = new Monitor(ds, redis, ctx.appName, workers, [setup.endpoint]);
    await monitor.begin();
    const countersBefore = await readCounters(redis, ds);
    const startedAt = Date.now();
    const t0 = process.hrtime.bigint();
    const refs = await enqueueCeilingJobs(queues, `c${pass}`, n);
    const enqueueSeconds = msSince(t0) / 1000;
    await finished(warmup + n);
    const resources = await monitor.end();
    const instruments = await readInstruments(n);
    const countersAfter = await readCounters(redis, ds);
    await Promise.all(workers.map((w) => stopChild(w)));
    const jobs = await readJobTimes(redis, queuePrefixes(ctx.redisConfig(prefix)), refs);
    const wall = ((jobs.lastFinishedAt ?? Date.now()) - startedAt) / 1000;
    return {
      jobs: n,
      perSecond: round(n / wall, 1)!,
      wallSeconds: round(wall, 2)!,
      enqueueSeconds: round(enqueueSeconds, 2)!,
      processingP50Ms: round(quantile(jobs.processingMs, 0.5), 1)!,
      processingP99Ms: round(quantile(jobs.processingMs, 0.99), 1)!,
      perJob: countersPerAccount(countersBefore, countersAfter, n),
      resources,
      ...instruments,
    };
  } finally {
    await Promise.all(Object.values(queues).map((q) => q.close()));
    await Promise.all(workers.map((w) => stopChild(w)));
    await deleteKeys(ctx, prefix);
  }
}
