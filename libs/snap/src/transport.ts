/**
 * The one way a request reaches a provider: admitted by the provider's circuit breaker, paced by
 * its rate limiter, POSTed, timed and reported, and its answer read ({@link readSnapResponse}).
 * The token request, the retry loop and every operation send through it.
 */
import type { SnapClientDeps, SnapLogger, SnapOperation } from './client-deps';
import type { SnapCredentials } from './credentials';
import { ContractBreachError, SnapError, TransientSnapError } from './errors';
import { ResponseTooLargeError, SnapHttpMethod } from './http';
import { channelValue, ProviderProfile } from './profiles';
import { readSnapResponse, SentAnswer } from './read-response';
import { signTransactional } from './signing';
import { jakartaTimestamp } from './timestamp';

/**
 * A request that waited this long for the breaker and its pace is signed again when it leaves:
 * X-TIMESTAMP has whole seconds, so a shorter wait moves it by at most one.
 */
export const RESIGN_AFTER_WAIT_MS = 1_000;

/** How the access token is sent: `Bearer <token>`, or the bare token (`none`). */
export type AuthorizationScheme = ProviderProfile['authorizationScheme'];

/** One request to send: how, where, with which headers and exact body bytes. */
export interface SnapRequest {
  operation: SnapOperation;
  /** POST unless the operation's profile setting says GET (Netzme history, PROTOCOL.md §3). */
  method?: SnapHttpMethod;
  path: string;
  /**
   * The headers for an X-TIMESTAMP: the pages want "Client's current local time", and the
   * signatures cover it. Built before the breaker and the pace, and again if they held the
   * request {@link RESIGN_AFTER_WAIT_MS} or more (built only before, a request held behind a
   * low rate limit left with a timestamp seconds old, which a provider checking its age refuses).
   */
  headers: (timestamp: string) => Record<string, string>;
  body: string;
  externalId?: string;
  /** The access token the request carries, scrubbed from anything kept of the answer. */
  token?: string;
  /** Where this call's line goes (a job's logger); the client's own logger otherwise. */
  logger?: SnapLogger;
}

/** What a transactional request is signed over, beside the profile and the credentials. */
export interface SignedRequestParts {
  /** The operation, for its `Authorization` scheme (default: the profile's `authorizationScheme`). */
  operation?: SnapOperation;
  /** The `Authorization` scheme to send (default: the operation's now, {@link SnapTransport.schemeOf}). */
  scheme?: AuthorizationScheme;
  /** The method the request is sent with (default: the profile's `method`); it is signed. */
  method?: SnapHttpMethod;
  token: string;
  externalId: string;
  signedPath: string;
  body: string;
  timestamp: string;
}

/** Sends requests to one provider with one credential set. */
export class SnapTransport {
  /** Operations sent with the profile's main scheme after their own one was refused (401). */
  private readonly mainSchemeFor = new Set<SnapOperation>();

  constructor(
    readonly profile: ProviderProfile,
    private readonly credentials: SnapCredentials,
    private readonly deps: SnapClientDeps,
  ) {}

  /** The scheme the profile names for `operation` itself (its page's), if any. */
  private ownScheme(operation: SnapOperation): AuthorizationScheme | undefined {
    const byOperation: Partial<Record<SnapOperation, AuthorizationScheme>> =
      this.profile.authorizationSchemeByOperation;
    return byOperation[operation];
  }

  /** The `Authorization` scheme `operation` is sent with now. */
  schemeOf(operation?: SnapOperation): AuthorizationScheme {
    const own =
      operation && !this.mainSchemeFor.has(operation) ? this.ownScheme(operation) : undefined;
    return own ?? this.profile.authorizationScheme;
  }

  /**
   * After a 401 to `operation` sent in `refused`, where its own scheme differs from the
   * profile's main one (a provider's pages that disagree: Netzme's Get Balance curl sends the
   * token bare, its Get Account Status curl and PROTOCOL.md `Bearer`): the operation is sent in
   * the other form from now on, in this process, unless another call has already switched it
   * (the many calls in flight when the form changes are each refused in the old one, and must
   * not each switch it again). Says whether the operation has another form to try.
   */
  refused(operation: SnapOperation, refused: AuthorizationScheme): boolean {
    const own = this.ownScheme(operation);
    if (own === undefined || own === this.profile.authorizationScheme) return false;
    if (this.schemeOf(operation) === refused) {
      if (!this.mainSchemeFor.delete(operation)) this.mainSchemeFor.add(operation);
    }
    return true;
  }

  /**
   * The headers of a transactional request: the bearer token, the symmetric signature over
   * method, path, token, body and timestamp, and the profile's partner, external-id and channel
   * headers.
   */
  signedHeaders(parts: SignedRequestParts): Record<string, string> {
    const { profile, credentials } = this;
    const scheme = parts.scheme ?? this.schemeOf(parts.operation);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Authorization: scheme === 'Bearer' ? `Bearer ${parts.token}` : parts.token,
      'X-TIMESTAMP': parts.timestamp,
      'X-SIGNATURE': signTransactional(
        credentials.clientSecret.reveal(),
        {
          method: parts.method ?? profile.method,
          signedPath: parts.signedPath,
          accessToken: parts.token,
          body: parts.body,
          timestamp: parts.timestamp,
        },
        profile.signatureEncoding,
      ),
      [profile.headers.partnerId]: credentials.partnerId,
      [profile.headers.externalId]: parts.externalId,
      [profile.headers.channel]: channelValue(
        profile,
        credentials.clientId,
        credentials.channelId,
        parts.operation,
      ),
      ...profile.staticHeaders,
    };
    if (profile.sendClientSecret) {
      headers['X-CLIENT-SECRET'] = credentials.clientSecret.reveal();
    }
    return headers;
  }

  /**
   * One POST, if the provider's breaker admits it and once its pace allows; the answer (or the
   * failure) is told to the breaker. Its headers (the timestamp and the signatures over it) are
   * built before the wait, so nothing delays the request once its pace slot is reached (work
   * there shifts requests off their slots: with the token's RSA signature there, the realistic
   * bench saw Finnet at 201 requests in a second for a limit of 200), and built
   * again after a wait of {@link RESIGN_AFTER_WAIT_MS} or more, so a request never leaves with an
   * X-TIMESTAMP older than that (a provider checking its age would refuse it).
   */
  async exchange(request: SnapRequest): Promise<SentAnswer> {
    const provider = this.profile.provider;
    const breaker = this.deps.breaker;
    const builtAt = new Date();
    let headers = request.headers(jakartaTimestamp(builtAt));
    await breaker?.admit(provider);
    await this.deps.rateLimiter?.acquire(provider);
    const now = new Date();
    if (now.getTime() - builtAt.getTime() >= RESIGN_AFTER_WAIT_MS)
      headers = request.headers(jakartaTimestamp(now));
    try {
      const answer = await this.send(request, headers);
      await breaker?.succeeded(provider).catch(() => undefined);
      return answer;
    } catch (e) {
      if (breaker && e instanceof SnapError) {
        // Down means no answer: network errors, timeouts, 5xx. Any other answer shows it up.
        const status = e.details.httpStatus;
        const down = status === undefined ? e instanceof TransientSnapError : status >= 500;
        await (down ? breaker.failed(provider, e.message) : breaker.succeeded(provider)).catch(
          () => undefined,
        );
      }
      throw e;
    }
  }

  /** One POST: sends, times, reads the answer, and throws classified errors. */
  private async send(request: SnapRequest, headers: Record<string, string>): Promise<SentAnswer> {
    const { operation, method = 'POST', path, body, externalId, token } = request;
    const logger = request.logger ?? this.deps.logger;
    const provider = this.profile.provider;
    const started = performance.now();
    const report = (outcome: string) => {
      const event = {
        provider,
        operation,
        outcome,
        durationMs: performance.now() - started,
        externalId,
      };
      this.deps.onCall?.(event);
      logger?.debug(event, 'snap call');
    };
    let raw;
    // After the breaker and the pace: when the provider was asked, not when the call began.
    const sentAt = new Date();
    try {
      raw = await this.deps.http.send(method, this.credentials.baseUrl + path, headers, body);
    } catch (e) {
      if (e instanceof ResponseTooLargeError) {
        report('too-large');
        throw new ContractBreachError(
          `${provider}: ${operation} response body is larger than ${e.limit} bytes (HTTP ${e.status}); not read further`,
          { provider, httpStatus: e.status, externalId },
        );
      }
      report('network-error');
      const reason = (e as { code?: string }).code ?? (e as Error).name;
      // Where it went, so that a wrong base URL can be told from a provider that is down.
      const host = new URL(this.credentials.baseUrl).host;
      throw new TransientSnapError(`${provider}: ${operation} failed: ${reason} (at ${host})`, {
        provider,
        externalId,
      });
    }
    // The provider answered before this: what its balance holds was settled in [sentAt, answeredAt].
    const answeredAt = new Date();
    const answer = readSnapResponse(
      raw,
      {
        provider,
        operation,
        externalId,
        timestamp: headers['X-TIMESTAMP'],
        secrets: [this.credentials.clientSecret.reveal(), ...(token ? [token] : [])],
      },
      report,
    );
    return { json: answer.json, code: answer.code, sentAt, answeredAt };
  }
}
