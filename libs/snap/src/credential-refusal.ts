/**
 * A credential set the provider will not take: its token request refused (a 4xx such as
 * `4017300` Unauthorized signature), or a token refused again right after a fresh one replaced
 * it (`401xx01` twice in a row). Neither is fixed by asking again a moment later, so the
 * account fails for good at once (no queue retries), and a refused token request is not sent
 * again by this process for a while: every other account of the credential set fails with the
 * same reason, not one more signed request each.
 */
import {
  PermanentSnapError,
  SnapError,
  TokenRejectedSnapError,
  type SnapErrorDetails,
} from './errors';

/** How long a refused token request stops this process's token requests for a credential set. */
export const DEFAULT_TOKEN_REFUSAL_HOLD_MS = 60_000;

/** The provider will not take this credential set: permanent, not retried. */
export class CredentialRefusedError extends PermanentSnapError {}

/** True for a token request's answer that says the credentials are not accepted. */
export function refusesCredentials(e: unknown): e is SnapError {
  return (
    (e instanceof PermanentSnapError || e instanceof TokenRejectedSnapError) &&
    !(e instanceof CredentialRefusedError)
  );
}

/**
 * The refusal of a token that replaced a rejected one: the provider's own answer, as a
 * permanent failure that says why it is not retried.
 */
export function freshTokenRefused(e: TokenRejectedSnapError, credentialSet: string): SnapError {
  return new CredentialRefusedError(
    `${e.message}; a fresh token of credential set '${credentialSet}' was refused too: not retried`,
    e.details,
  );
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
    const { provider, responseCode } = held.error.details;
    const details: SnapErrorDetails = { provider, responseCode };
    throw new CredentialRefusedError(
      `${provider}: not sent: its token request for credential set '${this.credentialSet}' was refused at ${new Date(held.at).toISOString()} (${held.error.message}); not asked again before ${new Date(held.until).toISOString()}`,
      details,
    );
  }

  /** Remembers a refused token request; the error to throw for the account that saw it. */
  hold(e: SnapError): CredentialRefusedError {
    const at = this.now();
    this.refusal = { error: e, at, until: at + this.holdMs };
    return new CredentialRefusedError(
      `${e.message}; the token request of credential set '${this.credentialSet}' is not sent again before ${new Date(at + this.holdMs).toISOString()}`,
      e.details,
    );
  }
}
