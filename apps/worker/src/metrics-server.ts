import { createServer, Server } from 'node:http';
import type { AppMetrics } from '@app/config';

/**
 * The worker has no API, but Prometheus must scrape its provider-call, token and result
 * metrics: a bare `GET /metrics` on its own port (WORKER_METRICS_HOST:WORKER_METRICS_PORT,
 * loopback unless configured), nothing else.
 */
export function startMetricsServer(
  metrics: AppMetrics,
  port: number,
  host = '127.0.0.1',
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
