import type { INestApplication } from '@nestjs/common';
import type { z } from 'zod';
import { ALERT_EVENTS } from '@app/reconciliation';
import {
  AuditPage,
  DailyReport,
  DiscrepancyPage,
  ErrorBody,
  RunPage,
} from '../../apps/producer/src/openapi/response-schemas';
import { DOCS_PATH } from '../../apps/producer/src/reports/openapi';
import { BASIC_AUTH, startProducerHttp } from '../reports/http';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  webhooks: Record<string, unknown>;
};

/**
 * The OpenAPI document against the running app: every route Express has registered (Nest's
 * controllers) is in the document with its method, and nothing in the document is missing
 * from the app; the document's response schemas parse the app's real answers.
 */
describe('OpenAPI document', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let url: string;
  let doc: OpenApi;

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ({ app, url } = await startProducerHttp(config));
    const res = await fetch(`${url}${DOCS_PATH}-json`, { headers: BASIC_AUTH });
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApi;
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  /** `METHOD /path/{param}` of every route layer of the Express app (the docs' own routes and middleware aside). */
  function registeredRoutes(): string[] {
    const express = app.getHttpAdapter().getInstance() as {
      router?: { stack: RouteLayer[] };
      _router?: { stack: RouteLayer[] };
    };
    const stack = (express.router ?? express._router)!.stack;
    return (
      stack
        // `/{*path}` for every method is middleware, not an endpoint: Nest mounts a middleware
        // that applies to all routes (nestjs-pino's request context) as a route layer per method.
        .filter(
          (layer) =>
            layer.route &&
            !layer.route.path.startsWith(DOCS_PATH) &&
            layer.route.path !== '/{*path}',
        )
        .flatMap((layer) =>
          Object.keys(layer.route!.methods).map(
            (m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
          ),
        )
        .sort()
    );
  }

  const documentedRoutes = () =>
    Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();

  it('documents every route the app registered, and no route the app does not have', () => {
    const registered = registeredRoutes();
    expect(registered.length).toBeGreaterThan(20);
    expect(registered.filter((r) => !documentedRoutes().includes(r))).toEqual([]);
    expect(documentedRoutes().filter((r) => !registered.includes(r))).toEqual([]);
  });

  it('documents the error answers, the alert webhooks and the parameters', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths['/ledger/entries'].post.responses).sort()).toEqual(
      ['200', '400', '401', '403', '409', '413', '415', '422', '429'].sort(),
    );
    expect(Object.keys(doc.paths['/discrepancies/{id}/resolve'].post.responses)).toContain('409');
    expect(Object.keys(doc.webhooks).sort()).toEqual([...ALERT_EVENTS].sort());
    const params = (path: string, method = 'get') =>
      (
        (doc.paths[path][method] as unknown as { parameters?: { name: string; in: string }[] })
          .parameters ?? []
      ).map((p) => `${p.in}:${p.name}`);
    expect(params('/runs/{id}/results')).toEqual(
      expect.arrayContaining(['path:id', 'query:status', 'query:provider', 'query:page']),
    );
    expect(params('/audit')).toEqual(
      expect.arrayContaining([
        'query:subjectType',
        'query:provider',
        'query:accountNo',
        'query:msId',
      ]),
    );
    expect(params('/accounts/{provider}/{accountNo}/history')).toEqual(
      expect.arrayContaining(['path:provider', 'path:accountNo', 'query:msId']),
    );
  });

  it('describes the real answers: the response schemas parse them', async () => {
    const get = async (path: string, schema: z.ZodTypeAny, status = 200) => {
      const res = await fetch(url + path, { headers: BASIC_AUTH });
      expect({ path, status: res.status }).toEqual({ path, status });
      const parsed = schema.safeParse(await res.json());
      expect({ path, issues: parsed.success ? [] : parsed.error.issues }).toEqual({
        path,
        issues: [],
      });
    };
    const started = await fetch(`${url}/runs`, {
      method: 'POST',
      headers: { ...BASIC_AUTH, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(started.status).toBe(202);
    await get('/runs', RunPage);
    await get('/discrepancies?status=all', DiscrepancyPage);
    await get('/audit', AuditPage);
    await get('/reports/daily?days=3', DailyReport);
    await get('/runs?pageSize=abc', ErrorBody, 400);
    await get('/discrepancies/424242', ErrorBody, 404);
  });
});
