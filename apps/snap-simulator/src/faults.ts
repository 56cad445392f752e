/**
 * Faults an account can be told to produce, consumed one per balance inquiry in order.
 *
 * | kind | answer |
 * | --- | --- |
 * | `500` | HTTP 500, `500xx00` General Error |
 * | `504` | HTTP 504, `504xx00` Timeout |
 * | `429` | HTTP 429, `429xx00` Too Many Requests |
 * | `403xx04` | HTTP 403, `403xx04` Activity Count Limit Exceeded |
 * | `404xx11` | HTTP 404, `404xx11` Invalid Account |
 * | `400xx01` | HTTP 400, `400xx01` Invalid Field Format |
 * | `202` | HTTP 202, `202xx00` Request In Progress |
 * | `token-revoked` | revokes the presented token and answers `401xx01`; a fresh token then works |
 * | `read-timeout` | holds the request (setting `readTimeoutHoldMs`), then answers 504 if still connected |
 * | `connection-reset` | destroys the socket without an answer |
 * | `non-json` | HTTP 502 with an HTML page |
 * | `no-code` | HTTP 200, JSON without `responseCode` |
 * | `no-balance` | `200xx00` without `accountInfos` |
 * | `bad-amount` | `200xx00` with `availableBalance.value` `"10,000"` |
 * | `wrong-currency` | `200xx00` with currency `USD` (or `IDR` if the account is in USD) |
 * | `code` | the `responseCode` given in the fault, with its HTTP status |
 */
export const FAULT_KINDS = [
  '500',
  '504',
  '429',
  '403xx04',
  '404xx11',
  '400xx01',
  '202',
  'token-revoked',
  'read-timeout',
  'connection-reset',
  'non-json',
  'no-code',
  'no-balance',
  'bad-amount',
  'wrong-currency',
  'code',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault; `times` omitted = forever (the fault stays first in the list). */
export interface FaultSpec {
  kind: FaultKind;
  times?: number;
  /** For kind `code`: the 7-character responseCode to answer. */
  responseCode?: string;
}

/** A queue of faults with remaining counts. */
export class FaultQueue {
  private items: { spec: FaultSpec; remaining: number | null }[];

  constructor(specs: readonly FaultSpec[] = []) {
    this.items = specs.map((spec) => ({ spec: { ...spec }, remaining: spec.times ?? null }));
  }

  /** The fault for this request (consuming one use of it), or `null` for a normal answer. */
  take(): FaultSpec | null {
    const head = this.items[0];
    if (!head) return null;
    if (head.remaining !== null) {
      head.remaining -= 1;
      if (head.remaining <= 0) this.items.shift();
    }
    return head.spec;
  }

  /** What is left, for the admin view. */
  pending(): FaultSpec[] {
    return this.items.map(({ spec, remaining }) =>
      remaining === null ? { ...spec, times: undefined } : { ...spec, times: remaining },
    );
  }
}
