import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import pino from 'pino';
import type { AppConfig } from '@app/config';
import {
  balanceQueuePrefix,
  createLogger,
  createRedisConnection,
  deletePrefixKeys,
  queuePrefix,
} from '@app/infra';
import { balanceQueueName, SCHEDULE_QUEUE } from '@app/queue';
import { loadRun, RunView } from '@app/reconciliation';
import { loadCredentials, PROVIDERS, ProviderName } from '@app/snap';
import { CliModule } from '../../apps/cli/src/cli.module';
import { buildScenario, ScenarioAccount } from '../../apps/cli/src/demo/demo-scenario';
import { demoCredentials, demoPartners } from '../../apps/cli/src/demo/demo-wiring';
import { generatePartnerKeys, PartnerKeys } from '../../apps/cli/src/demo/partner-keys';
import { seedDatabase, simulatorAccounts } from '../../apps/cli/src/demo/seed-database';
import { createSnapSimulator, SnapSimulator } from '../../apps/snap-simulator/src';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { LogCapture } from './log-capture';
import { createTestDatabase } from './test-database';

/** A whole pipeline in this process: simulator over HTTP, worker, run starter, real PG/Redis. */
export interface Pipeline {
  config: AppConfig;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  simulator: SnapSimulator;
  scenario: ScenarioAccount[];
  accountIds: Map<string, string>;
  worker: INestApplicationContext | null;
  producer: INestApplicationContext;
  logs: LogCapture;
  /** Every secret of this pipeline, to scan logs and payloads for. */
  secrets: string[];
  /** Starts the worker, with the pipeline's config or one of its own (e.g. fewer settings). */
  startWorker(workerConfig?: AppConfig): Promise<INestApplicationContext>;
  stopWorker(): Promise<void>;
  /** Starts one more worker beside `worker`, as a second worker process would run; close() stops it. */
  startExtraWorker(): Promise<INestApplicationContext>;
  waitForRun(runId: string, timeoutMs?: number): Promise<RunView>;
  queues(): Queue[];
  close(): Promise<void>;
}

/** Builds a pipeline over `scenario` (default: `accountCount` scenario accounts). */
export async function startPipeline(
  config: AppConfig,
  options: {
    accountCount?: number;
    scenario?: ScenarioAccount[];
    startWorker?: boolean;
    /** Partner keys and client secrets (default: fresh random ones). */
    keys?: Record<ProviderName, PartnerKeys>;
    /** The simulator's logger (default: silent). */
    simulatorLogger?: pino.Logger;
  } = {},
): Promise<Pipeline> {
  const db = await createTestDatabase(config);
  const scenario = options.scenario ?? buildScenario(options.accountCount ?? 30, new Date());
  const keys = options.keys ?? generatePartnerKeys();
  const finnetIds = scenario.filter((a) => a.provider === 'finnet').map((a) => a.accountNo);
  const simulator = createSnapSimulator({
    partners: demoPartners(keys, finnetIds),
    accounts: simulatorAccounts(scenario) as never,
    readTimeoutHoldMs: 10_000,
    logger: options.simulatorLogger ?? pino({ level: 'silent' }),
  });
  const baseUrl = await simulator.start(0);
  const creds = demoCredentials(baseUrl, keys, finnetIds);
  const credentials = loadCredentials({ ...creds.env, SNAP_CREDENTIALS_FILE: 'memory' }, () =>
    JSON.stringify(creds.file),
  );
  const accountIds = await seedDatabase(db.dataSource, scenario);
  const logs = new LogCapture();
  const logger = createLogger({ LOG_LEVEL: 'debug' }, 'test', logs);
  const extraWorkers: INestApplicationContext[] = [];
  const producer = await NestFactory.createApplicationContext(CliModule.forRoot(config, logger), {
    logger: false,
  });
  // The apps' own connection factory and prefixes: the same code on one node, Sentinel, Cluster.
  const queueConnection = createRedisConnection(config, 'test');
  const queues = [
    ...PROVIDERS.map(
      (p) =>
        new Queue(balanceQueueName(p), {
          connection: queueConnection,
          prefix: balanceQueuePrefix(config, p),
        }),
    ),
    new Queue(SCHEDULE_QUEUE, { connection: queueConnection, prefix: queuePrefix(config) }),
  ];
  const pipeline: Pipeline = {
    config,
    db,
    simulator,
    scenario,
    accountIds,
    worker: null,
    producer,
    logs,
    secrets: PROVIDERS.flatMap((p) => [keys[p].clientSecret, keys[p].privateKeyPem.split('\n')[1]]),
    async startWorker(workerConfig = config) {
      // A second worker would replace the first in `pipeline.worker` and outlive close(): its
      // sweeper and BullMQ workers would keep running into the next test file.
      if (pipeline.worker)
        throw new Error('startWorker: a worker is already running (stopWorker first)');
      pipeline.worker = await NestFactory.createApplicationContext(
        WorkerModule.forRoot(workerConfig, logger, credentials),
        {
          logger: false,
        },
      );
      pipeline.worker.enableShutdownHooks();
      return pipeline.worker;
    },
    async stopWorker() {
      await pipeline.worker?.close();
      pipeline.worker = null;
    },
    async startExtraWorker() {
      const extra = await NestFactory.createApplicationContext(
        WorkerModule.forRoot(config, logger, credentials),
        { logger: false },
      );
      extraWorkers.push(extra);
      return extra;
    },
    async waitForRun(runId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = await loadRun(db.dataSource, runId);
        if (run && run.status !== 'running') return run;
        if (Date.now() > deadline)
          throw new Error(
            `run ${runId} not finished after ${timeoutMs} ms: ${JSON.stringify(run)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    queues: () => queues,
    async close() {
      for (const extra of extraWorkers.splice(0)) await extra.close();
      await pipeline.stopWorker();
      await producer.close();
      for (const q of queues) await q.obliterate({ force: true });
      await Promise.all(queues.map((q) => q.close()));
      await queueConnection.quit();
      await deletePrefixKeys(config);
      await simulator.stop();
      await db.drop();
    },
  };
  if (options.startWorker !== false) await pipeline.startWorker();
  return pipeline;
}
