import {
  PermanentSnapError,
  RateLimitedSnapError,
  SnapError,
  SnapErrorDetails,
  TokenRejectedSnapError,
  TransientSnapError,
} from './errors';

/** A SNAP response code split into its parts: `4011101` → 401, `11`, `01`. */
export interface ResponseCode {
  code: string;
  httpStatus: number;
  serviceCode: string;
  caseCode: string;
}

const CODE_PATTERN = /^[1-5]\d{2}\d{2}\d{2}$/;

/** Parses a 7-character SNAP response code; `null` when the text is not one. */
export function parseResponseCode(code: unknown): ResponseCode | null {
  if (typeof code !== 'string' || !CODE_PATTERN.test(code)) return null;
  return {
    code,
    httpStatus: Number(code.slice(0, 3)),
    serviceCode: code.slice(3, 5),
    caseCode: code.slice(5, 7),
  };
}

/** Builds a response code from its parts. */
export function responseCode(httpStatus: number, serviceCode: string, caseCode: string): string {
  return `${httpStatus}${serviceCode}${caseCode}`;
}

/** True for `200xx00`, the only success. */
export function isSuccess(code: ResponseCode): boolean {
  return code.httpStatus === 200 && code.caseCode === '00';
}

/** The HTTP status and case code pairs PROTOCOL.md section 4 lists. */
const LISTED_CASES = new Set([
  '200-00',
  '202-00',
  '400-00',
  '400-01',
  '400-02',
  '401-00',
  '401-01',
  '401-03',
  '403-01',
  '403-04',
  '403-05',
  '404-08',
  '404-11',
  '409-00',
  '429-00',
  '500-00',
  '500-01',
  '500-02',
  '504-00',
]);

/** True when PROTOCOL.md lists the code's HTTP status and case code. */
export function isListedCode(code: ResponseCode): boolean {
  return LISTED_CASES.has(`${code.httpStatus}-${code.caseCode}`);
}

/**
 * Classifies a non-success response code per PROTOCOL.md section 4.
 * A code of an unlisted case falls back to its HTTP class: 4xx permanent, anything else
 * transient; its message says so, so that an unknown code is never mistaken for a known one.
 */
export function classifyFailure(
  code: ResponseCode,
  details: SnapErrorDetails,
  /** The provider's `Retry-After` in ms, carried by a rate-limit error. */
  retryAfterMs: number | null = null,
): SnapError {
  const unlisted = isListedCode(code)
    ? ''
    : `; responseCode ${code.code} is not a code PROTOCOL.md lists, handled by its HTTP status ${code.httpStatus}`;
  const message = `${details.provider} answered ${code.code}${details.responseMessage ? ` (${details.responseMessage})` : ''}${unlisted}`;
  const d = Object.assign({}, details, { responseCode: code.code });
  switch (code.httpStatus) {
    case 401:
      return code.caseCode === '01' || code.caseCode === '03'
        ? new TokenRejectedSnapError(message, d)
        : new PermanentSnapError(message, d);
    case 403:
      return code.caseCode === '04'
        ? new RateLimitedSnapError(message, d, retryAfterMs)
        : new PermanentSnapError(message, d);
    case 429:
      return new RateLimitedSnapError(message, d, retryAfterMs);
    case 409:
      // Duplicate X-EXTERNAL-ID: a fresh id on the next attempt fixes it.
      return new TransientSnapError(message, d);
    default:
      if (code.httpStatus >= 400 && code.httpStatus < 500)
        return new PermanentSnapError(message, d);
      return new TransientSnapError(message, d);
  }
}
