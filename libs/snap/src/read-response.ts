/**
 * Reading one provider answer: the JSON object, the SNAP response code, and the classified
 * error when the answer is not a success. Pure: the transport hands it the raw response.
 */
import type { SnapOperation } from './client-deps';
import { ContractBreachError, RateLimitedSnapError, TransientSnapError } from './errors';
import type { RawResponse } from './http';
import type { ProviderName } from './providers/index';
import { SERVICE_CODE } from './providers/index';
import { parseJsonObject, scrubBody, show } from './response-body';
import { classifyFailure, isSuccess, parseResponseCode } from './response-code';
import { parseRetryAfter } from './retry-after';

/** A successful answer: its body and its 7-digit SNAP code. */
export interface SnapAnswer {
  json: Record<string, unknown>;
  code: string;
}

/** An answer with the instants its request left (after any wait for the provider's pace) and its answer arrived. */
export interface SentAnswer extends SnapAnswer {
  sentAt: Date;
  answeredAt: Date;
}

/** What the reader needs to know about the request the answer belongs to. */
export interface SentRequest {
  provider: ProviderName;
  operation: SnapOperation;
  externalId?: string;
  /** The X-TIMESTAMP sent, quoted when the provider complains about it. */
  timestamp?: string;
  /** Values to scrub from anything kept of the answer (client secret, token). */
  secrets: readonly string[];
}

/**
 * Reads a raw answer into a {@link SnapAnswer}, or throws the classified {@link SnapError}.
 * `report` is told the call's outcome (the SNAP code, `no-code`, `http-429`...) once it is known.
 */
export function readSnapResponse(
  raw: RawResponse,
  sent: SentRequest,
  report: (outcome: string) => void,
): SnapAnswer {
  const { provider, operation, externalId, secrets } = sent;
  // Built only on a failure: scrubbing the raw body is a pass over it.
  const details = () => ({
    provider,
    httpStatus: raw.status,
    externalId,
    rawBody: scrubBody(raw.body, secrets),
  });
  let json: Record<string, unknown>;
  try {
    json = parseJsonObject(raw.body, details);
  } catch (e) {
    if (raw.status === 429) {
      // A gateway's own page ("429 Too Many Requests" in HTML): a rate limit all the same.
      report('http-429');
      throw new RateLimitedSnapError(
        `${provider}: ${operation} answered HTTP 429 without a responseCode (not JSON)`,
        details(),
        parseRetryAfter(raw.retryAfter),
      );
    }
    report('no-code');
    throw e;
  }
  const code = parseResponseCode(json.responseCode);
  if (!code && json.responseCode === undefined && (raw.status === 429 || raw.status >= 500)) {
    // A gateway in front of the provider (rate limiter, load balancer) answers with its own
    // JSON that carries no SNAP code: what the HTTP status says, not a contract breach.
    report(`http-${raw.status}`);
    const message = `${provider}: ${operation} answered HTTP ${raw.status} without a responseCode`;
    throw raw.status === 429
      ? new RateLimitedSnapError(message, details(), parseRetryAfter(raw.retryAfter))
      : new TransientSnapError(message, details());
  }
  if (!code) {
    report('no-code');
    throw new ContractBreachError(
      `${provider}: responseCode ${show(json.responseCode)} is not a 7-digit SNAP code`,
      details(),
    );
  }
  report(code.code);
  if (Math.floor(raw.status / 100) !== Math.floor(code.httpStatus / 100)) {
    // The SNAP code carries the HTTP status in its first three digits; a provider whose two
    // disagree says two things at once, and neither can be trusted.
    throw new ContractBreachError(
      `${provider}: HTTP status ${raw.status} disagrees with responseCode ${code.code}`,
      Object.assign(details(), { responseCode: code.code }),
    );
  }
  if (!isSuccess(code)) {
    // A provider may echo what it was sent (a secret, the token): scrubbed like a raw body.
    const responseMessage =
      typeof json.responseMessage === 'string'
        ? scrubBody(json.responseMessage, secrets)
        : undefined;
    const error = classifyFailure(
      code,
      Object.assign(details(), { responseMessage }),
      parseRetryAfter(raw.retryAfter),
    );
    if (responseMessage?.includes('X-TIMESTAMP')) {
      // Usually a clock off on one side: say what was sent and what this machine thinks.
      error.message += `; X-TIMESTAMP sent ${sent.timestamp} (this machine's clock ${new Date().toISOString()}): check the clocks`;
    }
    throw error;
  }
  const expectedService = operation === 'access-token' ? SERVICE_CODE.accessToken : null;
  if (expectedService && code.serviceCode !== expectedService) {
    throw new ContractBreachError(
      `${provider}: responseCode ${code.code} is not a token response`,
      details(),
    );
  }
  return { json, code: code.code };
}
