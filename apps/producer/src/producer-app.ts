import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, AppMetrics, Logger } from '@app/config';
import { bodyParserErrors } from './body-errors';
import { ProducerModule } from './producer.module';
import { setupOpenApi } from './reports/openapi';

/** Largest request body the API reads; a larger one is answered 413 without being parsed. */
export const MAX_BODY = '5mb';

/**
 * The producer's HTTP application, configured (body parser and its errors, shutdown hooks)
 * but not listening: `main.ts` listens on PORT and tests on a free port, so both run the same app.
 */
export async function createProducerApp(
  config: AppConfig,
  logger: Logger,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    ProducerModule.forRoot(config, logger, new AppMetrics('producer')),
    {
      logger: ['error', 'warn'],
      bodyParser: false,
    },
  );
  app.useBodyParser('json', { limit: MAX_BODY });
  // The discrepancy page's forms post url-encoded notes.
  app.useBodyParser('urlencoded', { extended: false, limit: '64kb' });
  app.use(bodyParserErrors);
  app.enableShutdownHooks();
  setupOpenApi(app, config);
  return app;
}
