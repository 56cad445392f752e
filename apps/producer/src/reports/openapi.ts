import { INestApplication } from '@nestjs/common';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '@app/config';
import { CredentialsCheck } from '../auth/credentials-check';
import { openApiDocument } from '../openapi/document';

/** Where the OpenAPI UI is served; its JSON is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = '/docs';

/**
 * Serves the OpenAPI document and UI at `/docs` (`/docs-json`, `/docs-yaml`) behind the API's
 * credentials. The document is built from the zod schemas the handlers validate with
 * (`apps/producer/src/openapi/`), not from decorators. Swagger UI is plain express routes, not
 * Nest routes, so the global guard does not see them: an express middleware registered before
 * them applies the same check. Call before `listen`.
 */
export function setupOpenApi(app: INestApplication, config: AppConfig): void {
  const check = new CredentialsCheck(config);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const path = req.path;
    if (
      path !== DOCS_PATH &&
      !path.startsWith(`${DOCS_PATH}/`) &&
      !path.startsWith(`${DOCS_PATH}-`)
    )
      return next();
    if (check.allows(req.headers)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="snap-recon"');
    res.status(401).json({ statusCode: 401, message: 'Unauthorized' });
  });
  SwaggerModule.setup(
    DOCS_PATH.slice(1),
    app,
    () => openApiDocument() as unknown as OpenAPIObject,
    { customSiteTitle: 'snap-recon API' },
  );
}
