import type { CodeParts, EndpointKind } from './providers';
import { SERVICE_CODES } from './provider-rules';

/** What an endpoint decided to answer; the server turns it into bytes (or into silence). */
export type Reply =
  | {
      type: 'json';
      status: number;
      body: Record<string, unknown>;
      /** The label counted in the stats (the SNAP code, or e.g. `no-code`). */
      label: string;
      /** Extra delay before answering (account latency). */
      delayMs?: number;
      /** Extra response headers (a 429's `Retry-After`). */
      headers?: Record<string, string>;
    }
  | {
      type: 'raw';
      status: number;
      contentType: string;
      text: string;
      label: string;
      delayMs?: number;
    }
  /** Destroy the socket without answering. */
  | { type: 'reset'; label: 'connection-reset'; delayMs?: number }
  /** Hold the request for the configured read-timeout hold, then answer 504. */
  | { type: 'hold'; label: 'read-timeout'; serviceCode: string };

/** Standard SNAP messages for the case codes the simulator answers. */
const MESSAGES: Record<string, string> = {
  '200-00': 'Successful',
  '202-00': 'Request In Progress',
  '400-00': 'Bad Request',
  '400-01': 'Invalid Field Format',
  '400-02': 'Invalid Mandatory Field',
  '401-00': 'Unauthorized',
  '401-01': 'Invalid Token (B2B)',
  '401-03': 'Token Not Found (B2B)',
  '403-04': 'Activity Count Limit Exceeded',
  '404-08': 'Invalid Merchant',
  '404-11': 'Invalid Account',
  '409-00': 'Conflict',
  '429-00': 'Too Many Requests',
  '500-00': 'General Error',
  '500-01': 'Internal Server Error',
  '504-00': 'Timeout',
};

/** The 7-character code for an endpoint, e.g. `snapCode('balance', 404, '11')` = `4041111`. */
export function snapCode(kind: EndpointKind, httpStatus: number, caseCode: string): string {
  return `${httpStatus}${SERVICE_CODES[kind]}${caseCode}`;
}

/**
 * A SNAP JSON answer: `{responseCode, responseMessage, ...extra}` with the HTTP status the
 * code carries. `detail` is appended to the standard message, e.g. `[X-TIMESTAMP]`.
 */
export function snapReply(
  kind: EndpointKind,
  httpStatus: number,
  caseCode: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): Extract<Reply, { type: 'json' }> {
  const code = snapCode(kind, httpStatus, caseCode);
  const base = MESSAGES[`${httpStatus}-${caseCode}`] ?? 'Error';
  const responseMessage = detail ? `${base} ${detail}` : base;
  return {
    type: 'json',
    status: httpStatus,
    body: { responseCode: code, responseMessage, ...extra },
    label: code,
  };
}

/** A provider's answer with its own message, e.g. Finnet's `4041108` "Invalid merchant". */
export function pageReply(
  kind: EndpointKind,
  code: CodeParts,
  extra: Record<string, unknown> = {},
): Extract<Reply, { type: 'json' }> {
  const reply = snapReply(kind, code.httpStatus, code.caseCode, undefined, extra);
  reply.body.responseMessage = code.message;
  return reply;
}

/** A refusal: the code to answer and, for the warn log, why (never a secret). */
export interface Rejection {
  httpStatus: number;
  caseCode: string;
  /** Shown to the caller in `responseMessage`, e.g. `[X-TIMESTAMP]`. */
  detail?: string;
  /** Logged at warn level. */
  reason: string;
  /** An educated guess at the client's mistake (signature mismatches). */
  hint?: string;
}

/** Shorthand for a {@link Rejection}. */
export function reject(
  httpStatus: number,
  caseCode: string,
  reason: string,
  detail?: string,
  hint?: string,
): Rejection {
  return { httpStatus, caseCode, reason, detail, hint };
}
