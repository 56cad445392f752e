import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** One request as it arrived: method, path, header names as sent, exact body text. */
export interface CapturedRequest {
  method: string;
  path: string;
  /** Header name as the client wrote it → value. */
  headers: Record<string, string>;
  body: string;
  /** When the request reached the server (epoch ms, before its body was read). */
  receivedAt: number;
}

/** A canned answer: HTTP status and body text. */
export interface CannedAnswer {
  status: number;
  body: string;
}

/**
 * A bare HTTP server standing in for a provider: it records every request exactly as received
 * (no checks of its own, unlike the simulator) and answers from per-path queues, or with the
 * path's default answer. Lets a test compare what the real client sends with a page's text.
 */
export class CaptureServer {
  readonly requests: CapturedRequest[] = [];
  private readonly queued = new Map<string, CannedAnswer[]>();
  private readonly defaults = new Map<string, (req: CapturedRequest) => CannedAnswer>();
  private server?: Server;
  baseUrl = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The answer to every request to `path` unless one is queued. */
  answer(path: string, make: (req: CapturedRequest) => CannedAnswer): void {
    this.defaults.set(path, make);
  }

  /** Answers the next request to `path` with these, one each, before the default. */
  queue(path: string, ...answers: CannedAnswer[]): void {
    this.queued.set(path, [...(this.queued.get(path) ?? []), ...answers]);
  }

  /** The requests to a path, oldest first. */
  to(path: string): CapturedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
      }
      const captured: CapturedRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0],
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt,
      };
      this.requests.push(captured);
      const next = this.queued.get(captured.path)?.shift();
      const make = this.defaults.get(captured.path);
      const out = next ?? make?.(captured) ?? { status: 404, body: '{"responseCode":"4040000"}' };
      res.writeHead(out.status, { 'Content-Type': 'application/json' });
      res.end(out.body);
    });
  }
}

/**
 * The headers a client sent to a provider, without those the HTTP layer adds by itself
 * (`host`, `connection`, `content-length`, `transfer-encoding`), names lowercased.
 */
export function appHeaders(req: CapturedRequest): Record<string, string> {
  const transport = new Set(['host', 'connection', 'content-length', 'transfer-encoding']);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!transport.has(name.toLowerCase())) out[name.toLowerCase()] = value;
  }
  return out;
}
