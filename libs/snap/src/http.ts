import { Agent, request } from 'undici';

/** Connect and read timeouts for every provider call, in milliseconds. */
export interface SnapTimeouts {
  connectMs: number;
  /** Time to the response headers, and then between body chunks. */
  readMs: number;
}

export const DEFAULT_TIMEOUTS: SnapTimeouts = { connectMs: 5_000, readMs: 15_000 };

/** Largest provider response body read (a SNAP answer is a few hundred bytes). */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** A response body larger than the limit; reading stopped there, so memory stays bounded. */
export class ResponseTooLargeError extends Error {
  constructor(
    readonly status: number,
    readonly limit: number,
  ) {
    super(`response body is larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** What came back from the provider, before any interpretation. */
export interface RawResponse {
  status: number;
  body: string;
}

/**
 * A keep-alive HTTP client (undici) shared by every SNAP client of a process.
 * undici is used instead of the built-in fetch for its connection reuse and lower
 * per-request cost, which the benchmark shows matters at thousands of calls per second.
 */
export class SnapHttp {
  private readonly agent: Agent;

  constructor(
    readonly timeouts: SnapTimeouts = DEFAULT_TIMEOUTS,
    connectionsPerOrigin = 64,
    private readonly maxResponseBytes = MAX_RESPONSE_BYTES,
  ) {
    this.agent = new Agent({
      connect: { timeout: timeouts.connectMs },
      connections: connectionsPerOrigin,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /**
   * POSTs exact bytes; rejects with the network error (callers classify it as transient), or
   * with {@link ResponseTooLargeError} once the body passes the limit (the rest is not read).
   */
  async post(url: string, headers: Record<string, string>, body: string): Promise<RawResponse> {
    const res = await request(url, {
      method: 'POST',
      headers,
      body,
      dispatcher: this.agent,
      headersTimeout: this.timeouts.readMs,
      bodyTimeout: this.timeouts.readMs,
    });
    const declared = Number(res.headers['content-length']);
    if (declared > this.maxResponseBytes) {
      res.body.destroy();
      throw new ResponseTooLargeError(res.statusCode, this.maxResponseBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > this.maxResponseBytes) {
        res.body.destroy();
        throw new ResponseTooLargeError(res.statusCode, this.maxResponseBytes);
      }
      chunks.push(chunk as Buffer);
    }
    const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    return { status: res.statusCode, body: bytes.toString('utf8') };
  }

  /** Closes the kept-alive connections (at shutdown). */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
