import 'reflect-metadata';
import { loadConfig } from '@app/config';
import {
  assertRedisDatabaseExists,
  createLogger,
  exitIfShutdownHangs,
  REDIS,
  startFailureLine,
} from '@app/infra';
import { bothAnswer, readinessCheck } from '@app/ledger';
import { DataSource } from 'typeorm';
import { assertApiCredentials } from './auth/credentials-check';
import { createProducerApp } from './producer-app';

/** Starts the producer's HTTP server on HOST:PORT; SIGTERM closes it and the queues cleanly. */
async function main(): Promise<void> {
  const config = loadConfig();
  assertApiCredentials(config);
  await assertRedisDatabaseExists(config);
  const logger = createLogger(config, 'producer');
  const app = await createProducerApp(config, logger);
  exitIfShutdownHangs(logger, {
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    dependenciesAnswer: bothAnswer(readinessCheck(app.get(DataSource), app.get(REDIS))),
  });
  // Start-up work first (resume runs, the schedule), so that only the listen's own errors are
  // reported as the address's below; listen() would run init() inside it.
  await app.init();
  await app.listen(config.PORT, config.HOST).catch(async (e: NodeJS.ErrnoException) => {
    await app.close();
    // An address in use or not on this machine: named by its settings, not a bare EADDRINUSE.
    throw new Error(
      `cannot listen on HOST=${config.HOST} PORT=${config.PORT}: ${e.code ?? e.message}`,
    );
  });
  logger.info({ url: await app.getUrl() }, 'producer listening');
}

main().catch((e: Error) => {
  process.stderr.write(startFailureLine('producer', e));
  process.exit(1);
});
