/**
 * Faults an account can be told to produce, consumed one per balance inquiry in order.
 *
 * | kind | answer |
 * | --- | --- |
 * | `500` | HTTP 500, `500xx00` General Error |
 * | `504` | HTTP 504, `504xx00` Timeout |
 * | `429` | HTTP 429, `429xx00` Too Many Requests; with `retryAfter`, that `Retry-After` header too |
 * | `403xx04` | HTTP 403, `403xx04` Activity Count Limit Exceeded |
 * | `404xx11` | HTTP 404, `404xx11` Invalid Account |
 * | `unknown-account` | the provider's own answer for an account it does not hold, as its page lists it (Finnet `4041108` Invalid merchant; `4041111` Invalid Account elsewhere) |
 * | `400xx01` | HTTP 400, `400xx01` Invalid Field Format |
 * | `202` | HTTP 202, `202xx00` Request In Progress |
 * | `token-revoked` | revokes the presented token and answers `401xx01`; a fresh token then works. The token is shared: every concurrent call still holding it gets `401xx01` too |
 * | `token-rejected` | answers `401xx01` to this call only; the token stays valid for everybody else |
 * | `read-timeout` | holds the request (setting `readTimeoutHoldMs`), then answers 504 if still connected |
 * | `connection-reset` | destroys the socket without an answer |
 * | `non-json` | HTTP 502 with an HTML page |
 * | `no-code` | HTTP 200, JSON without `responseCode` |
 * | `no-balance` | `200xx00` without `accountInfos` |
 * | `bad-amount` | `200xx00` with `availableBalance.value` `"10,000"` |
 * | `wrong-currency` | `200xx00` with currency `USD` (or `IDR` if the account is in USD) |
 * | `code` | the `responseCode` given in the fault, with its HTTP status |
 * | `raw` | exactly `body` with HTTP `status` (200) and `contentType` (`application/json`): any malformed answer |
 */
export const FAULT_KINDS = [
  '500',
  '504',
  '429',
  '403xx04',
  '404xx11',
  'unknown-account',
  '400xx01',
  '202',
  'token-revoked',
  'token-rejected',
  'read-timeout',
  'connection-reset',
  'non-json',
  'no-code',
  'no-balance',
  'bad-amount',
  'wrong-currency',
  'code',
  'raw',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault; `times` omitted = forever (the fault stays first in the list). */
export interface FaultSpec {
  kind: FaultKind;
  times?: number;
  /** For kind `code`: the 7-character responseCode to answer. */
  responseCode?: string;
  /** For kind `raw`: the HTTP status (default 200). */
  status?: number;
  /** For kind `raw`: the Content-Type (default `application/json`). */
  contentType?: string;
  /** For kind `raw`: the exact body text answered. */
  body?: string;
  /** For kind `429`: the `Retry-After` header value sent with it (e.g. `60`, or an HTTP-date). */
  retryAfter?: string;
}

/**
 * Faults a partner's token requests can be told to produce, consumed one per (valid) token
 * request: `500`, `504`, `429` (with an optional `retryAfter`), `connection-reset`,
 * `read-timeout`, `non-json`, `code` as for balance inquiries, plus
 *
 * | kind | answer |
 * | --- | --- |
 * | `no-code` | HTTP 200 with a token but no `responseCode` (a lax provider) |
 * | `no-token` | `2007300` without `accessToken` |
 * | `bad-expires-in` | `2007300` with `expiresIn` `"15 minutes"` |
 * | `slow` | the normal answer (a token), `delayMs` later (a slow token endpoint) |
 */
export const TOKEN_FAULT_KINDS = [
  '500',
  '504',
  '429',
  'connection-reset',
  'read-timeout',
  'non-json',
  'no-code',
  'no-token',
  'bad-expires-in',
  'code',
  'slow',
] as const;

export type TokenFaultKind = (typeof TOKEN_FAULT_KINDS)[number];

/** One token-endpoint fault; `times` omitted = forever. */
export interface TokenFaultSpec {
  kind: TokenFaultKind;
  times?: number;
  /** For kind `code`: the 7-character responseCode to answer. */
  responseCode?: string;
  /** For kind `429`: the `Retry-After` header value sent with it. */
  retryAfter?: string;
  /** For kind `slow`: how long after the request the token is answered. */
  delayMs?: number;
}

/** A queue of faults with remaining counts. */
export class FaultQueue<S extends { times?: number } = FaultSpec> {
  private items: { spec: S; remaining: number | null }[];

  constructor(specs: readonly S[] = []) {
    this.items = specs.map((spec) => ({ spec: { ...spec }, remaining: spec.times ?? null }));
  }

  /** The fault for this request (consuming one use of it), or `null` for a normal answer. */
  take(): S | null {
    const head = this.items[0];
    if (!head) return null;
    if (head.remaining !== null) {
      head.remaining -= 1;
      if (head.remaining <= 0) this.items.shift();
    }
    return head.spec;
  }

  /** What is left, for the admin view. */
  pending(): S[] {
    return this.items.map(({ spec, remaining }) => {
      const { times: _times, ...rest } = spec;
      return (remaining === null ? rest : { ...rest, times: remaining }) as S;
    });
  }
}
