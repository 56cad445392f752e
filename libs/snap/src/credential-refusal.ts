/**
 * A token request the provider refuses (`4017300` Unauthorized signature for a key it does not
 * hold, `4037301` Feature not allowed...) is about the credential set, not the account: every
 * other account's token request would be refused the same. So this process does not send it
 * again for a while, and the credential set's other accounts fail at once with the same reason
 * instead of one signed request each.
 */
import {
  PermanentSnapError,
  SnapError,
  TokenRejectedSnapError,
  type SnapErrorDetails,
} from './errors';
import { isListedCode, parseResponseCode } from './response-code';

/** How long a refused token request stops this process's token requests for a credential set. */
export const DEFAULT_TOKEN_REFUSAL_HOLD_MS = 60_000;

/**
 * A token request failed for good (a 4xx): about our credentials or request, never about the
 * account whose call needed the token (no account-status inquiry follows it).
 */
export class TokenRequestError extends PermanentSnapError {}

/** The provider refused this credential set's token request: held, see {@link TokenRefusal}. */
export class CredentialRefusedError extends TokenRequestError {}

/**
 * A token request's failure as the account's call sees it: held when it refuses the credential
 * set, a {@link TokenRequestError} when it is otherwise permanent, else as it came.
 */
export function tokenRequestFailure(e: unknown, refusal: TokenRefusal): unknown {
  if (refusesCredentials(e)) return refusal.hold(e);
  if (e instanceof PermanentSnapError && !(e instanceof TokenRequestError)) {
    return new TokenRequestError(e.message, e.details);
  }
  return e;
}

/**
 * True for a token request's answer that refuses the credentials: a code PROTOCOL.md lists
 * with HTTP 400, 401 or 403 (not `403xx04`, a rate limit). An unlisted code, a 404 (a wrong
 * path is every call's, and says nothing of the credentials), a 409 or a 5xx is not held.
 */
export function refusesCredentials(e: unknown): e is SnapError {
  if (!(e instanceof PermanentSnapError || e instanceof TokenRejectedSnapError)) return false;
  if (e instanceof CredentialRefusedError) return false;
  const code = parseResponseCode(e.details.responseCode);
  return code !== null && isListedCode(code) && [400, 401, 403].includes(code.httpStatus);
}

/** One credential set's refused token request, remembered for a while in this process. */
export class TokenRefusal {
  private refusal: { error: SnapError; at: number; until: number } | null = null;

  constructor(
    private readonly credentialSet: string,
    private readonly holdMs = DEFAULT_TOKEN_REFUSAL_HOLD_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws, without asking the provider, while a refusal is held. */
  check(): void {
    const held = this.refusal;
    if (!held || held.until <= this.now()) return;
    // No code of its own: nothing was asked for this account (the message quotes the refusal).
    const details: SnapErrorDetails = { provider: held.error.details.provider };
    throw new CredentialRefusedError(
      `${details.provider}: not sent: its token request for credential set '${this.credentialSet}' was refused at ${iso(held.at)} (${held.error.message}); not asked again by this process before ${iso(held.until)}`,
      details,
    );
  }

  /** Remembers a refused token request; the error to throw for the account that saw it. */
  hold(e: SnapError): CredentialRefusedError {
    const at = this.now();
    this.refusal = { error: e, at, until: at + this.holdMs };
    return new CredentialRefusedError(
      `${e.message}; the token request of credential set '${this.credentialSet}' is not sent again by this process before ${iso(at + this.holdMs)}`,
      e.details,
    );
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
