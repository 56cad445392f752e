import { Agent, request } from 'undici';

/** Connect and read timeouts for every provider call, in milliseconds. */
export interface SnapTimeouts {
  connectMs: number;
  /** Time to the response headers, and then between body chunks. */
  readMs: number;
}

export const DEFAULT_TIMEOUTS: SnapTimeouts = { connectMs: 5_000, readMs: 15_000 };

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
  ) {
    this.agent = new Agent({
      connect: { timeout: timeouts.connectMs },
      connections: connectionsPerOrigin,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /** POSTs exact bytes; rejects with the network error (callers classify it as transient). */
  async post(url: string, headers: Record<string, string>, body: string): Promise<RawResponse> {
    const res = await request(url, {
      method: 'POST',
      headers,
      body,
      dispatcher: this.agent,
      headersTimeout: this.timeouts.readMs,
      bodyTimeout: this.timeouts.readMs,
    });
    return { status: res.statusCode, body: await res.body.text() };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
