import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { json } from 'express';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { AppConfig, publishedSecretWarnings } from '@app/config';
import { AppMetrics, Logger, REDIS } from '@app/infra';
import type { Cluster, Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { appendAudit } from '@app/reconciliation';
import { authenticate } from './auth/authenticate.middleware';
import { boardRoles } from './board/board-roles';
import { bodyParserErrors } from './body-errors';
import { accessLog } from './http/access-log';
import {
  MAX_FORM_BODY_BYTES,
  MAX_JSON_BODY_BYTES,
  MAX_OTHER_JSON_BODY_BYTES,
} from './http/body-limits';
import { requireBodyType } from './http/content-type';
import { refuseCrossSite } from './http/cross-site';
import { PageCsrf } from './http/csrf';
import { assertJsonDepth } from './http/json-depth';
import { assertUtf8Body, assertUtf8Form } from './http/utf8-body';
import { noStore, securityHeaders } from './http/security-headers';
import { TimedExpressAdapter } from './http/timed-express-adapter';
import { ProducerModule } from './producer.module';
import { setupOpenApi } from './reports/openapi';

/** Largest JSON body the API reads (the largest ledger batch); a larger one is answered 413 unparsed. */
export const MAX_BODY = MAX_JSON_BODY_BYTES;

/**
 * The producer's HTTP application, configured but not listening: `main.ts` listens on
 * HOST:PORT and tests on a free port, so both run the same app. The order of the express
 * middleware is the security model:
 *
 * 0. one access-log line per request (pino-http), Nest's own lines through the same pino;
 * 1. headers on every answer (helmet, `no-store`);
 * 2. cross-site unsafe requests refused (403);
 * 3. credentials checked, failed logins counted in Redis (shared by the replicas) and logged
 *    (401/429), the caller put on the request — before any body is read;
 * 4. body types checked (415), Bull Board writes limited to admin (403);
 * 5. bodies parsed within size and nesting limits (413/400), form posts' CSRF tokens checked;
 * 6. Nest routes, with the role guard and the problem-document filter.
 */
export async function createProducerApp(
  config: AppConfig,
  logger: Logger,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    ProducerModule.forRoot(config, logger, new AppMetrics('producer')),
    new TimedExpressAdapter(config),
    {
      // Nest's own lines through the app's pino logger (JSON, redacted) from the first one:
      // the start-up's too (a Postgres not answering), never Nest's coloured console logger.
      logger: new NestPinoLogger(new PinoLogger({ pinoHttp: { logger } }), {}),
      // A start-up failure reaches main's one-line "failed to start" instead of Nest's exit.
      abortOnError: false,
      bodyParser: false,
    },
  );
  for (const warning of publishedSecretWarnings(config)) logger.warn(warning);
  app.disable('x-powered-by');
  // The client address that failed logins count against and log: behind a load balancer, the
  // balancer's own unless TRUST_PROXY names it.
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(accessLog(logger));
  app.use(securityHeaders, noStore);
  app.use(refuseCrossSite);
  app.use(authenticate(config, logger, app.get<Redis | Cluster>(REDIS)));
  app.use(requireBodyType);
  // An admin's Bull Board write is recorded after it went through (Redis changed, not Postgres:
  // it cannot share a transaction); a record that fails to be written is a warning.
  const ds = app.get(DataSource);
  app.use(
    '/queues',
    boardRoles((actor, change) => {
      const { queue, ...after } = change;
      appendAudit(ds, [
        { actor, action: 'queues.change', subjectType: 'queue', subjectId: queue, after },
      ]).catch((e: unknown) =>
        logger.warn(
          { actor: actor.name, ...change, err: (e as Error).message },
          'Bull Board change not recorded in the audit trail',
        ),
      );
    }),
  );
  const verify = (_req: unknown, _res: unknown, buf: Buffer, encoding: string) => {
    assertUtf8Body(buf, encoding);
    assertJsonDepth(buf);
  };
  // A ledger batch may be large; every other route's body is read up to its own largest.
  app.use('/ledger/entries', json({ limit: MAX_JSON_BODY_BYTES, verify }));
  app.useBodyParser('json', { limit: MAX_OTHER_JSON_BODY_BYTES, verify });
  // The discrepancy page's forms post url-encoded notes and their CSRF token.
  app.useBodyParser('urlencoded', {
    extended: false,
    limit: MAX_FORM_BODY_BYTES,
    verify: (_req: unknown, _res: unknown, buf: Buffer, encoding: string) =>
      assertUtf8Form(buf, encoding),
  });
  app.use(bodyParserErrors(logger));
  app.use('/ui', cookieParser(), app.get(PageCsrf).protect);
  app.enableShutdownHooks();
  setupOpenApi(app, config);
  return app;
}
