import { extendZodWithOpenApi, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Adds `.openapi()` to zod's schemas (the registry names components with it). The schemas
// stay plain zod: the ones the controllers validate with are the ones documented.
extendZodWithOpenApi(z);

/** Every documented route, component and webhook of the producer's API. */
export const registry = new OpenAPIRegistry();
