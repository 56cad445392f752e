import type { ProviderName } from './providers/index';
import { redactSecretValues } from './secret-values';

/** What the worker should do with a failed call. */
export type SnapErrorKind =
  | 'transient'
  | 'rate-limited'
  | 'token-rejected'
  | 'permanent'
  | 'contract-breach'
  /** Not sent: the provider's circuit breaker is open (circuit-breaker.ts). */
  | 'unavailable';

/** Details every SNAP failure carries; none of them is ever a secret. */
export interface SnapErrorDetails {
  provider: ProviderName;
  /** The 7-character SNAP code, when the provider sent one. */
  responseCode?: string;
  responseMessage?: string;
  httpStatus?: number;
  /** The X-EXTERNAL-ID of the failed attempt, for tracing with the provider. */
  externalId?: string;
  /** The raw response body (already free of secrets), kept for contract breaches. */
  rawBody?: string;
}

/** Base class of every classified SNAP failure. */
export abstract class SnapError extends Error {
  abstract readonly kind: SnapErrorKind;

  readonly details: SnapErrorDetails;

  /**
   * Known secret values are redacted from the message and the provider's texts in `details`:
   * they may quote a provider's answer, and an error reaches results, reports and Bull Board.
   */
  constructor(message: string, details: SnapErrorDetails) {
    super(redactSecretValues(message));
    this.name = new.target.name;
    this.details = {
      ...details,
      ...(details.responseMessage !== undefined
        ? { responseMessage: redactSecretValues(details.responseMessage) }
        : {}),
      ...(details.rawBody !== undefined ? { rawBody: redactSecretValues(details.rawBody) } : {}),
    };
  }

  /** Whether the queue should try again. */
  get retryable(): boolean {
    return this.kind !== 'permanent' && this.kind !== 'contract-breach';
  }
}

/** A network error, timeout, 5xx, 202 in progress or duplicate external id: try again later. */
export class TransientSnapError extends SnapError {
  readonly kind = 'transient' as const;
}

/** 429xx00 or 403xx04: the provider asks us to slow down. */
export class RateLimitedSnapError extends SnapError {
  readonly kind = 'rate-limited' as const;

  constructor(
    message: string,
    details: SnapErrorDetails,
    /**
     * How long the provider asked to be left alone (its `Retry-After`, uncapped), in
     * milliseconds; null when it did not say (or said something unreadable).
     */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message, details);
  }

  /**
   * 403xx04 "Activity Count Limit Exceeded": a count of this partner's activity (Finnet's
   * `4031104`), not the provider's request rate (429, coded or not: PROTOCOL.md §4 "rate limit
   * the provider").
   */
  get isActivityLimit(): boolean {
    return /^403\d{2}04$/.test(this.details.responseCode ?? '');
  }
}

/** 401xx01 or 401xx03: the token is invalid or unknown; refresh it once and retry. */
export class TokenRejectedSnapError extends SnapError {
  readonly kind = 'token-rejected' as const;
}

/** A 4xx that retrying cannot fix (bad request, bad signature, invalid account...). */
export class PermanentSnapError extends SnapError {
  readonly kind = 'permanent' as const;
}

/**
 * Never sent: the account does not fit the provider's request (an id longer than its page
 * allows, a seller id where it knows no sellers). Nothing was asked of the provider, so there
 * is no answer to explain (no account-status call either).
 */
export class AccountMisfitError extends PermanentSnapError {}

/** The provider answered something SNAP does not allow: not JSON, no code, a bad amount... */
export class ContractBreachError extends SnapError {
  readonly kind = 'contract-breach' as const;

  constructor(
    message: string,
    details: SnapErrorDetails,
    /** A body that is not JSON at all is usually a gateway's error page: worth another try. */
    private readonly worthRetrying = false,
  ) {
    super(message, details);
  }

  override get retryable(): boolean {
    return this.worthRetrying;
  }
}
