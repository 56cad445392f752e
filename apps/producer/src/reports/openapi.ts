import { applyDecorators, INestApplication } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiQuery,
  ApiUnauthorizedResponse,
  DocumentBuilder,
  SwaggerModule,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { AppConfig } from '@app/config';
import { ref, REPORT_SCHEMAS } from './openapi-schemas';

/** Where the OpenAPI UI is served; its JSON is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = '/docs';

/** An optional query parameter, documented. */
export const ApiQueryParam = (name: string, description: string, schema: SchemaObject) =>
  ApiQuery({ name, required: false, description, schema });

/** The answers every reports endpoint may give besides 200. */
export const ApiReportErrors = ({ notFound }: { notFound?: string } = {}) =>
  applyDecorators(
    ApiUnauthorizedResponse({
      description: 'No or wrong credentials: a bare 401 with `WWW-Authenticate: Basic`.',
    }),
    ApiBadRequestResponse({
      description: 'A bad parameter, named with the value received.',
      schema: ref('BadRequest'),
    }),
    ...(notFound ? [ApiNotFoundResponse({ description: notFound })] : []),
  );

/**
 * Serves the OpenAPI document and UI at `/docs` (`/docs-json`, `/docs-yaml`) behind the API's
 * credentials: Swagger UI is plain express routes, not Nest routes, so the global guard does
 * not see them; the authentication middleware, mounted on every path before them, does
 * (whatever the letter case). Call before `listen`.
 */
export function setupOpenApi(app: INestApplication, _config: AppConfig): void {
  const options = new DocumentBuilder()
    .setTitle('snap-recon')
    .setDescription(
      'Reconciliation of merchant balances at SNAP providers against the ledger: start runs, read ' +
        'their results, account histories and daily figures. Amounts are decimal strings of the ' +
        'amount, e.g. "10000.00" (never floats). Every route but /health needs an API key ' +
        '(`X-API-Key`) or HTTP basic auth.',
    )
    .setVersion('1')
    .addBasicAuth({ type: 'http', scheme: 'basic' }, 'basic')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
    .addSecurityRequirements('basic')
    .addSecurityRequirements('apiKey')
    .build();
  SwaggerModule.setup(
    DOCS_PATH.slice(1),
    app,
    () => {
      const document = SwaggerModule.createDocument(app, options);
      document.components = {
        ...document.components,
        schemas: { ...document.components?.schemas, ...REPORT_SCHEMAS },
      };
      return document;
    },
    { customSiteTitle: 'snap-recon API' },
  );
}
