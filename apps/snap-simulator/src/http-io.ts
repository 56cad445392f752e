import type { IncomingMessage, ServerResponse } from 'node:http';

/** Thrown when a request body is larger than allowed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

/** Reads the raw request bytes, exactly as received. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Sends a body with its length (and any `headers`); does nothing if the socket is gone. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.from(text);
  res.writeHead(status, {
    ...headers,
    'Content-Type': contentType,
    'Content-Length': bytes.length,
  });
  res.end(bytes);
}

/** Sends a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, 'application/json', JSON.stringify(body), headers);
}

/**
 * The path and (lazily) the query of a request target, without the cost of `new URL` on
 * every request. An absolute-form or unparsable target falls back to the URL parser.
 */
export function splitTarget(target: string | undefined): {
  path: string;
  query: () => URLSearchParams;
} {
  const raw = target ?? '/';
  if (raw.startsWith('/')) {
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    return { path, query: () => new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
  }
  try {
    const url = new URL(raw, 'http://simulator');
    return { path: url.pathname, query: () => url.searchParams };
  } catch {
    return { path: raw, query: () => new URLSearchParams() };
  }
}
