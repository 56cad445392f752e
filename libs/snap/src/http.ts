import { Agent, request } from 'undici';

/** Connect and read timeouts for every provider call, in milliseconds. */
export interface SnapTimeouts {
  connectMs: number;
  /**
   * Time to the response headers, and then between body chunks; with `connectMs` it also
   * bounds the whole call ({@link callDeadlineMs}), so an answer sent a byte at a time ends.
   */
  readMs: number;
}

/** The most one call may take, from sending to the last byte of the answer. */
export function callDeadlineMs(timeouts: SnapTimeouts): number {
  return timeouts.connectMs + timeouts.readMs;
}

/** A call that did not complete within {@link callDeadlineMs}: transient, like a read timeout. */
export class CallDeadlineError extends Error {
  readonly code = 'SNAP_CALL_DEADLINE';
  constructor(readonly ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'CallDeadlineError';
  }
}

export const DEFAULT_TIMEOUTS: SnapTimeouts = { connectMs: 5_000, readMs: 15_000 };

/**
 * One call's deadline, shaped as the EventEmitter `signal` undici's request() accepts: when it
 * passes, undici aborts the request (before the headers) or destroys the body (after them) with
 * a {@link CallDeadlineError}. Not an AbortController: its signal's EventTarget listeners were
 * ~1.5 % of a worker's CPU at 2,000 calls a second (bench/README.md, eleventh round).
 */
class CallDeadline {
  reason: CallDeadlineError | undefined;
  private listener: (() => void) | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => this.expire(), ms);
  }

  get aborted(): boolean {
    return this.reason !== undefined;
  }

  /** undici only checks that a signal has `on`; it listens with `once`. */
  on(): this {
    return this;
  }

  once(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }

  removeListener(): this {
    this.listener = null;
    return this;
  }

  /** The call ended: the deadline no longer matters. */
  clear(): void {
    clearTimeout(this.timer);
    this.listener = null;
  }

  private expire(): void {
    this.reason = new CallDeadlineError(this.ms);
    const listener = this.listener;
    this.listener = null;
    listener?.();
  }
}

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

/** The methods a SNAP call is sent with (POST; GET only where a provider's page says so). */
export type SnapHttpMethod = 'GET' | 'POST';

/** What came back from the provider, before any interpretation. */
export interface RawResponse {
  status: number;
  body: string;
  /** The `Retry-After` header, when the provider sent one (a 429 or 503 may). */
  retryAfter?: string;
}

/**
 * A keep-alive HTTP client (undici) shared by every SNAP client of a process.
 * undici is used instead of the built-in fetch for its connection reuse and lower
 * per-request cost, which the benchmark shows matters at thousands of calls per second.
 */
export class SnapHttp {
  private readonly agent: Agent;

  /**
   * `connectionsPerOrigin` is unlimited by default: requests are paced before they reach this
   * pool, and a capped pool would hold paced requests while its connections wait on slow
   * answers, then send them together (the bench's realistic run saw 246 requests in one second
   * at a limit of 200 with 64 connections). How many are in flight is bounded by the worker's
   * concurrency, so the sockets are too.
   */
  constructor(
    readonly timeouts: SnapTimeouts = DEFAULT_TIMEOUTS,
    connectionsPerOrigin: number | null = null,
    private readonly maxResponseBytes = MAX_RESPONSE_BYTES,
  ) {
    this.agent = new Agent({
      connect: { timeout: timeouts.connectMs },
      connections: connectionsPerOrigin,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /** POSTs exact bytes (see {@link send}). */
  post(url: string, headers: Record<string, string>, body: string): Promise<RawResponse> {
    return this.send('POST', url, headers, body);
  }

  /**
   * Sends exact bytes with the given method; rejects with the network error (callers classify
   * it as transient), or with {@link ResponseTooLargeError} once the body passes the limit (the
   * rest is not read). A GET carries its JSON body too (Netzme's history page asks for that):
   * undici's request() sends it with a Content-Length, where fetch() would refuse.
   */
  async send(
    method: SnapHttpMethod,
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<RawResponse> {
    // One timer per call, cleared when the call ends (AbortSignal.timeout's cannot be: at 2,000
    // calls a second, 40,000 of them would wait out the 20 s deadline). It bounds the headers
    // too: undici restarts its headersTimeout on every 1xx answer (102 Processing).
    const deadline = new CallDeadline(callDeadlineMs(this.timeouts));
    try {
      return await this.exchange(method, url, headers, body, deadline);
    } catch (e) {
      if (deadline.reason) throw deadline.reason;
      throw e;
    } finally {
      deadline.clear();
    }
  }

  private async exchange(
    method: SnapHttpMethod,
    url: string,
    headers: Record<string, string>,
    body: string,
    deadline: CallDeadline,
  ): Promise<RawResponse> {
    const res = await request(url, {
      method,
      headers,
      body,
      signal: deadline,
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
    const retryAfter = res.headers['retry-after'];
    return {
      status: res.statusCode,
      body: bytes.toString('utf8'),
      // Sent twice, the first one (a provider that repeats it means the same).
      ...(retryAfter !== undefined ? { retryAfter: [retryAfter].flat()[0] } : {}),
    };
  }

  /** Closes the kept-alive connections (at shutdown). */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
