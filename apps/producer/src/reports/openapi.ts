import { INestApplication } from '@nestjs/common';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '@app/config';
import { openApiDocument } from '../openapi/document';

/** Where the OpenAPI UI is served; its JSON is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = '/docs';

/**
 * Serves the OpenAPI document and UI at `/docs` (`/docs-json`, `/docs-yaml`) behind the API's
 * credentials. The document is built from the zod schemas the handlers validate with
 * (`apps/producer/src/openapi/`), not from decorators. Swagger UI is plain express routes, not
 * Nest routes, so the global guard does not see them; the authentication middleware, mounted on
 * every path before them, does (whatever the letter case). Call before `listen`.
 */
export function setupOpenApi(app: INestApplication, _config: AppConfig): void {
  SwaggerModule.setup(
    DOCS_PATH.slice(1),
    app,
    () => openApiDocument() as unknown as OpenAPIObject,
    { customSiteTitle: 'snap-recon API' },
  );
}
