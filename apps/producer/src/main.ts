import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger, loadConfig } from '@app/config';
import { assertApiCredentials } from './auth/credentials-check';
import { ProducerModule } from './producer.module';

/** Starts the producer's HTTP server on PORT; SIGTERM closes it and the queues cleanly. */
async function main(): Promise<void> {
  const config = loadConfig();
  assertApiCredentials(config);
  const logger = createLogger(config, 'producer');
  const app = await NestFactory.create<NestExpressApplication>(ProducerModule.forRoot(config, logger), {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: '5mb' });
  app.enableShutdownHooks();
  await app.listen(config.PORT, '0.0.0.0');
  logger.info({ url: await app.getUrl() }, 'producer listening');
}

main().catch((e: Error) => {
  process.stderr.write(`producer failed to start: ${e.message}\n`);
  process.exit(1);
});
