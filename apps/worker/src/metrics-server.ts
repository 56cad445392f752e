import { createServer, Server } from 'node:http';
import { AppMetrics, probeReason } from '@app/infra';
import type { Readiness } from '@app/ledger';

/**
 * The worker has no API, but Prometheus must scrape its provider-call, token and result
 * metrics and an orchestrator must probe it, on its own port
 * (WORKER_METRICS_HOST:WORKER_METRICS_PORT, loopback unless configured):
 * - `GET /metrics`: Prometheus text;
 * - `GET /health/live`: 200 while the process answers, whatever its dependencies do (a
 *   restart would not bring Postgres or Redis back);
 * - `GET /health/ready`: 200 when Postgres and Redis answer, else 503, each with its state.
 */
export function startMetricsServer(
  metrics: AppMetrics,
  port: number,
  ready: () => Promise<Readiness>,
  host = '127.0.0.1',
): Promise<Server> {
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health/live') {
      json(res, 200, { status: 'ok' });
      return;
    }
    if (req.method === 'GET' && req.url === '/health/ready') {
      ready().then(
        (info) => {
          const up = Object.values(info).every((s) => s.status === 'up');
          // Without credentials: what happened, not where or as whom (probeReason).
          const shown = Object.fromEntries(
            Object.entries(info).map(([name, s]) => [
              name,
              s.message === undefined
                ? s
                : Object.assign({}, s, { message: probeReason(s.message) }),
            ]),
          );
          json(res, up ? 200 : 503, { status: up ? 'ok' : 'error', info: shown });
        },
        () => json(res, 503, { status: 'error' }),
      );
      return;
    }
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    // An address in use or not on this machine: named by its settings, not a bare EADDRINUSE.
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen on WORKER_METRICS_HOST=${host} WORKER_METRICS_PORT=${port}: ${e.code ?? e.message}`,
        ),
      ),
    );
    server.listen(port, host, () => resolve(server));
  });
}
