import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import './alert-schemas';
import { registry } from './registry';
import './routes';

registry.registerComponent('securitySchemes', 'basic', { type: 'http', scheme: 'basic' });
registry.registerComponent('securitySchemes', 'apiKey', {
  type: 'apiKey',
  in: 'header',
  name: 'X-API-Key',
});

/** The OpenAPI 3.1 document of the producer: routes, components and webhooks, all from zod. */
export function openApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'snap-recon',
      version: '1',
      description:
        'Reconciliation of merchant balances at SNAP providers against the ledger: start runs, read ' +
        'their results, account histories and daily figures, work through discrepancies, read the ' +
        'audit trail. Amounts are decimal strings, e.g. "10000.00" (never floats). Every route but ' +
        '/health, /health/live and /health/ready needs an API key (`X-API-Key`) or HTTP basic auth. The alert webhooks are under `webhooks`.',
    },
    security: [{ basic: [] }, { apiKey: [] }],
  });
}
