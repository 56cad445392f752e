import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { loadConfig } from '@app/config';
import {
  AppMetrics,
  assertRedisDatabaseExists,
  createLogger,
  exitIfShutdownHangs,
  REDIS,
  startFailureLine,
} from '@app/infra';
import { loadCredentials, resolveProfilesFromEnv } from '@app/snap';
import { DataSource } from 'typeorm';
import { startMetricsServer } from './metrics-server';
import { bothAnswer, readinessCheck } from '@app/ledger';
import { WorkerModule } from './worker.module';

/** Starts a worker process: no HTTP, just the queue processors. SIGTERM drains in-flight jobs. */
async function main(): Promise<void> {
  // All three fail fast, naming every bad setting (never a secret's value), before Nest starts.
  const config = loadConfig();
  resolveProfilesFromEnv(config as unknown as Record<string, unknown>);
  const credentials = loadCredentials(process.env);
  await assertRedisDatabaseExists(config);
  const logger = createLogger(config, 'worker');
  const metrics = new AppMetrics('worker');
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot(config, logger, credentials, metrics),
    // Nest's own lines through the worker's pino logger (JSON, redacted), not the console.
    {
      logger: new NestPinoLogger(new PinoLogger({ pinoHttp: { logger } }), {}),
      // A start-up failure (Postgres not answering) reaches the one-line "failed to start".
      abortOnError: false,
    },
  );
  app.enableShutdownHooks();
  const ready = readinessCheck(app.get(DataSource), app.get(REDIS));
  exitIfShutdownHangs(logger, {
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    dependenciesAnswer: bothAnswer(ready),
  });
  if (config.WORKER_METRICS_PORT > 0) {
    const server = await startMetricsServer(
      metrics,
      config.WORKER_METRICS_PORT,
      ready,
      config.WORKER_METRICS_HOST,
    ).catch(async (e: Error) => {
      // The processors have started: close them (jobs taken go back) before stopping.
      await app.close();
      throw e;
    });
    process.once('SIGTERM', () => server.close());
  }
  logger.info(
    {
      concurrency: config.WORKER_CONCURRENCY,
      metricsPort: config.WORKER_METRICS_PORT,
      metricsHost: config.WORKER_METRICS_HOST,
      pid: process.pid,
    },
    'worker started',
  );
}

main().catch((e: Error) => {
  process.stderr.write(startFailureLine('worker', e));
  process.exit(1);
});
