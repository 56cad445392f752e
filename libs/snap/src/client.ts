/**
 * A SNAP client: one provider, one credential set. It holds the shared token and the
 * transport, and offers the operations; each operation lives in its own file
 * (balance-inquiry.ts, account-status-inquiry.ts, history.ts) over the same transport
 * (transport.ts), token request (access-token-request.ts) and retry loop (authorized-call.ts).
 */
import { createHash } from 'node:crypto';
import { AccountStatusResult, inquireAccountStatus } from './account-status-inquiry';
import { requestAccessToken } from './access-token-request';
import { authorizedCall, AuthorizedAnswer, AuthorizedCaller } from './authorized-call';
import {
  BalanceAccount,
  BalanceInquiryResult,
  DEFAULT_PROVIDER_TIME_SKEW_MS,
  inquireBalance,
} from './balance-inquiry';
import type { SnapClientDeps, SnapLogger, SnapOperation } from './client-deps';
import type { SnapCredentials } from './credentials';
import { TokenRefusal, tokenRequestFailure } from './credential-refusal';
import { callDeadlineMs, SnapHttpMethod } from './http';
import { SnapError } from './errors';
import type { ProviderProfile } from './profiles';
import { IssuedToken, TokenManager, tokenLockTtlMs } from './token-manager';
import { SnapTransport } from './transport';

/** What the per-job views of one client share with it (see {@link SnapClient.withLogger}). */
interface SharedParts {
  transport: SnapTransport;
  tokens: TokenManager;
  tokenRefusal: TokenRefusal;
  logger: SnapLogger | undefined;
}

/** Signed SNAP calls to one provider with one credential set. */
export class SnapClient implements AuthorizedCaller {
  readonly tokens: TokenManager;
  private readonly transport: SnapTransport;
  /** A refused token request, held so the credential set's other accounts do not resend it. */
  private readonly tokenRefusal: TokenRefusal;
  /** Where this client's call lines go; a {@link withLogger} view has its own. */
  private readonly logger: SnapLogger | undefined;

  constructor(
    readonly profile: ProviderProfile,
    private readonly credentials: SnapCredentials,
    private readonly deps: SnapClientDeps,
    shared?: SharedParts,
  ) {
    if (shared) {
      this.transport = shared.transport;
      this.tokens = shared.tokens;
      this.tokenRefusal = shared.tokenRefusal;
      this.logger = shared.logger;
      return;
    }
    this.transport = new SnapTransport(profile, credentials, deps);
    this.tokenRefusal = new TokenRefusal(credentials.name, deps.tokenRefusalHoldMs);
    const identity = createHash('sha256')
      .update(`${credentials.baseUrl}|${credentials.clientId}`)
      .digest('hex');
    this.tokens = new TokenManager(deps.redis, () => this.issueToken(), {
      provider: profile.provider,
      // Provider and credential set form the key's hash tag: on Redis Cluster each credential
      // set's token and lock share a slot, and the sets spread over the masters.
      cacheKey: `${deps.tokenKeyPrefix ?? 'snap-recon:token'}:{${profile.provider}:${credentials.name}}:${identity.slice(0, 16)}`,
      safetyMarginMs: deps.tokenSafetyMarginMs,
      // Held for as long as the token request may take: a second process asks only after it.
      lockTtlMs: tokenLockTtlMs(callDeadlineMs(deps.http.timeouts)),
    });
    this.logger = deps.logger;
  }

  /**
   * This client with its call lines going to `logger` (a job's logger, so every line of the job
   * carries its run and account): a view sharing the transport and the token. A plain instance
   * of this class, not an `Object.create` of the client: thousands of clients turned into
   * prototypes made every property access on them megamorphic (the bench's workers got slower).
   */
  withLogger(logger: SnapLogger): SnapClient {
    return new SnapClient(this.profile, this.credentials, this.deps, {
      transport: this.transport,
      tokens: this.tokens,
      tokenRefusal: this.tokenRefusal,
      logger,
    });
  }

  /** Asks the provider for the account's balance; throws a classified {@link SnapError}. */
  balanceInquiry(account: BalanceAccount): Promise<BalanceInquiryResult> {
    return inquireBalance(
      this,
      account,
      this.deps.providerTimeSkewMs ?? DEFAULT_PROVIDER_TIME_SKEW_MS,
    );
  }

  /**
   * The account's status (Netzme registration-account-inquiry) for a customer id. Read as the
   * page means it: inactive only when a status field carries a value of the inactive list;
   * any other value, including one never seen before (logged once), is an active account.
   */
  accountStatus(custId: string): Promise<AccountStatusResult> {
    return inquireAccountStatus(
      this,
      custId,
      this.logger === this.deps.logger
        ? this.deps
        : Object.assign({}, this.deps, { logger: this.logger }),
    );
  }

  /**
   * A signed transactional call with the shared token (see {@link authorizedCall}: one retry
   * after a rejected token, one after a duplicate external id). Public for the operation files:
   * every call goes through the same token, signing, breaker and rate limiter.
   */
  authorizedCall(
    operation: SnapOperation,
    urlPath: string,
    signedPath: string,
    body: (reference: string) => object,
    method?: SnapHttpMethod,
  ): Promise<AuthorizedAnswer> {
    return authorizedCall(
      {
        transport: this.transport,
        tokens: this.tokens,
        ids: this.deps.ids,
        logger: this.logger,
      },
      { operation, urlPath, signedPath, body, method },
    );
  }

  /**
   * Requests a new B2B access token (used by the token manager, never directly); not sent while
   * a refusal of this credential set is held (see credential-refusal.ts).
   */
  private async issueToken(): Promise<IssuedToken> {
    this.tokenRefusal.check();
    let token: IssuedToken;
    try {
      token = await requestAccessToken(this.transport, this.credentials);
    } catch (e) {
      throw tokenRequestFailure(e, this.tokenRefusal);
    }
    this.deps.onTokenIssued?.(this.profile.provider, this.credentials.name);
    return token;
  }
}

/** Re-exported for callers that only need to test an error's class. */
export { SnapError };
