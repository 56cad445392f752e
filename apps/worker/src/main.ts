import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLogger, loadConfig } from '@app/config';
import { loadCredentials } from '@app/snap';
import { WorkerModule } from './worker.module';

/** Starts a worker process: no HTTP, just the queue processors. SIGTERM drains in-flight jobs. */
async function main(): Promise<void> {
  // Both fail fast, naming every bad setting (never a secret's value).
  const config = loadConfig();
  const credentials = loadCredentials(process.env);
  const logger = createLogger(config, 'worker');
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger, credentials), {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  logger.info({ concurrency: config.WORKER_CONCURRENCY, pid: process.pid }, 'worker started');
}

main().catch((e: Error) => {
  process.stderr.write(`worker failed to start: ${e.message}\n`);
  process.exit(1);
});
