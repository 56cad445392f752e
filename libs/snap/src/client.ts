import { createHash } from 'node:crypto';
import { DEFAULT_INACTIVE_STATUS_VALUES, judgeStatus, UnseenStatusLog } from './account-status';
import type { SnapCredentials } from './credentials';
import {
  ContractBreachError,
  RateLimitedSnapError,
  SnapError,
  SnapErrorDetails,
  TokenRejectedSnapError,
  TransientSnapError,
} from './errors';
import type { ExternalIdGenerator } from './external-id';
import { ResponseTooLargeError, SnapHttp } from './http';
import { parseAmount, AmountFormatError } from './money';
import { balanceRequestBody, channelValue, ProviderProfile } from './profiles';
import { SERVICE_CODE } from './providers/index';
import type { ProviderCircuitBreaker } from './circuit-breaker';
import type { RequestRateLimiter } from './rate-limiter';
import { parseJsonObject, pick, scrubBody, show } from './response-body';
import { classifyFailure, isSuccess, parseResponseCode } from './response-code';
import { signTokenRequest, signTransactional } from './signing';
import { jakartaTimestamp } from './timestamp';
import { IssuedToken, TokenManager, TokenRedis } from './token-manager';

/** The account whose balance is asked for. */
export interface BalanceAccount {
  accountNo: string;
  /** ISO currency the ledger keeps the account in; the provider must answer the same. */
  currency: string;
  /** NICEPay seller id, when the account is a seller's. */
  msId?: string;
}

/** One `accountInfos[]` entry, parsed. */
export interface BalanceEntry {
  balanceType: string | null;
  value: bigint;
  currency: string;
}

/** A successful balance inquiry. Amounts are minor units. */
export interface BalanceInquiryResult {
  provider: string;
  accountNo: string;
  /** The balance to reconcile (the profile's balance type). */
  availableBalance: bigint;
  currency: string;
  balances: BalanceEntry[];
  /** The provider's own clock, where it gives one. */
  providerTime: Date | null;
  /** The merchant name the provider reported (`name`), where it gives one. */
  providerName: string | null;
  /** When the request was sent (the fallback reconciliation instant). */
  requestTime: Date;
  responseCode: string;
  externalId: string;
  referenceNo?: string;
  partnerReferenceNo?: string;
}

/** An account-status inquiry (Netzme registration-account-inquiry), parsed. */
export interface AccountStatusResult {
  custId: string;
  /** False only when a status field carries a value of the inactive list. */
  active: boolean;
  /** The status values the provider gave, by field name (e.g. `userStatus`, `status`). */
  values: Record<string, string>;
  /** The field and value that made the account inactive, e.g. `status=blocked`. */
  inactiveBecause: string | null;
  responseCode: string;
}

/** One HTTP exchange with a provider, for metrics and logs (no secrets in it). */
export interface SnapCallEvent {
  provider: string;
  operation: 'access-token' | 'balance-inquiry' | 'account-status' | 'transaction-history';
  /** The SNAP code, or `network-error` / `no-code`. */
  outcome: string;
  durationMs: number;
  externalId?: string;
}

/** A logger shaped like pino's; the client logs no secret through it. */
export interface SnapLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SnapClientDeps {
  http: SnapHttp;
  redis: TokenRedis;
  ids: ExternalIdGenerator;
  logger?: SnapLogger;
  onCall?: (event: SnapCallEvent) => void;
  onTokenIssued?: (provider: string, credentialSet: string) => void;
  tokenSafetyMarginMs?: number;
  /** Prefix of the Redis keys holding shared tokens (default `snap-recon:token`). */
  tokenKeyPrefix?: string;
  /** Waited on before every request (token, balance, status): the provider's rate limit. */
  rateLimiter?: RequestRateLimiter;
  /** Asked before every request, told every answer: the provider's shared circuit breaker. */
  breaker?: Pick<ProviderCircuitBreaker, 'admit' | 'succeeded' | 'failed'>;
  /** Status values that mean "not active" (default {@link DEFAULT_INACTIVE_STATUS_VALUES}). */
  inactiveStatusValues?: readonly string[];
  /** Shared by the clients of a process so an unseen status value is logged once. */
  unseenStatusLog?: UnseenStatusLog;
  /** Largest accepted distance of the provider time from the request time (default 10 min). */
  providerTimeSkewMs?: number;
}

/** Default of {@link SnapClientDeps.providerTimeSkewMs}. */
export const DEFAULT_PROVIDER_TIME_SKEW_MS = 10 * 60_000;

/** Epoch milliseconds below this (1973-03-03) are a seconds value, not a time in ms. */
const SECONDS_LOOK_ALIKE_BELOW_MS = 100_000_000_000;

const DEFAULT_UNSEEN_STATUS_LOG = new UnseenStatusLog();

const TOKEN_REQUEST_BODY = JSON.stringify({ grantType: 'client_credentials', additionalInfo: {} });

/** Signed SNAP calls to one provider with one credential set. */
export class SnapClient {
  readonly tokens: TokenManager;

  constructor(
    readonly profile: ProviderProfile,
    private readonly credentials: SnapCredentials,
    private readonly deps: SnapClientDeps,
  ) {
    const identity = createHash('sha256')
      .update(`${credentials.baseUrl}|${credentials.clientId}`)
      .digest('hex');
    this.tokens = new TokenManager(deps.redis, () => this.issueToken(), {
      provider: profile.provider,
      // Provider and credential set form the key's hash tag: on Redis Cluster each credential
      // set's token and lock share a slot, and the sets spread over the masters.
      cacheKey: `${deps.tokenKeyPrefix ?? 'snap-recon:token'}:{${profile.provider}:${credentials.name}}:${identity.slice(0, 16)}`,
      safetyMarginMs: deps.tokenSafetyMarginMs,
    });
  }

  /** Asks the provider for the account's balance; throws a classified {@link SnapError}. */
  async balanceInquiry(account: BalanceAccount): Promise<BalanceInquiryResult> {
    const requestTime = new Date();
    const { json, code, externalId } = await this.authorizedCall(
      'balance-inquiry',
      this.profile.balancePath,
      this.profile.balanceSignedPath,
      (reference) =>
        balanceRequestBody(this.profile, {
          reference,
          accountNo: account.accountNo,
          msId: account.msId,
        }),
    );
    const details = this.details({ responseCode: code, externalId });
    const balances = this.parseBalances(json, account.currency, details);
    const chosen = this.chooseBalance(balances, details);
    this.checkSeller(json, account, details);
    return {
      provider: this.profile.provider,
      accountNo: account.accountNo,
      availableBalance: chosen.value,
      currency: chosen.currency,
      balances,
      providerTime: this.providerTime(json, requestTime, details),
      providerName: this.merchantName(json),
      requestTime,
      responseCode: code,
      externalId,
      referenceNo: typeof json.referenceNo === 'string' ? json.referenceNo : undefined,
      partnerReferenceNo:
        typeof json.partnerReferenceNo === 'string' ? json.partnerReferenceNo : undefined,
    };
  }

  /**
   * The account's status (Netzme registration-account-inquiry) for a customer id. Read as the
   * page means it: inactive only when a status field carries a value of the inactive list;
   * any other value, including one never seen before (logged once), is an active account.
   */
  async accountStatus(custId: string): Promise<AccountStatusResult> {
    const { accountStatusPath, accountStatusSignedPath, statusFields } = this.profile;
    if (
      !this.profile.capabilities.accountStatus ||
      !accountStatusPath ||
      !accountStatusSignedPath
    ) {
      throw new Error(`${this.profile.provider}: account status inquiry is not offered`);
    }
    const { json, code, externalId } = await this.authorizedCall(
      'account-status',
      accountStatusPath,
      accountStatusSignedPath,
      (ref) => ({ partnerReferenceNo: ref, additionalInfo: { custId } }),
    );
    const values: Record<string, string> = {};
    for (const path of statusFields) {
      const v = pick(json, path);
      if (typeof v === 'string') values[path.split('.').pop()!] = v;
    }
    if (Object.keys(values).length === 0) {
      throw new ContractBreachError(
        `${this.profile.provider}: ${statusFields.join(' and ')} ${statusFields.length > 1 ? 'are all' : 'is'} missing`,
        this.details({
          responseCode: code,
          externalId,
          rawBody: scrubBody(JSON.stringify(json), []),
        }),
      );
    }
    const verdict = judgeStatus(
      values,
      this.deps.inactiveStatusValues ?? DEFAULT_INACTIVE_STATUS_VALUES,
      this.profile.knownStatusValues,
    );
    const log = this.deps.unseenStatusLog ?? DEFAULT_UNSEEN_STATUS_LOG;
    for (const { field, value } of verdict.unseen) {
      if (log.firstTime(this.profile.provider, field, value)) {
        this.deps.logger?.warn(
          { provider: this.profile.provider, field, value },
          'account status value never seen before: read as active (add it to ACCOUNT_INACTIVE_STATUS_VALUES if it means not active)',
        );
      }
    }
    return {
      custId,
      active: verdict.active,
      values,
      inactiveBecause: verdict.inactiveBecause,
      responseCode: code,
    };
  }

  /** Requests a new B2B access token (used by the token manager, never directly). */
  private async issueToken(): Promise<IssuedToken> {
    const timestamp = jakartaTimestamp();
    const headers = {
      'Content-Type': 'application/json',
      'X-TIMESTAMP': timestamp,
      'X-CLIENT-KEY': this.credentials.clientId,
      'X-SIGNATURE': signTokenRequest(
        this.credentials.clientId,
        timestamp,
        this.credentials.privateKey,
      ),
    };
    const { json, code } = await this.exchange(
      'access-token',
      this.profile.tokenPath,
      headers,
      TOKEN_REQUEST_BODY,
    );
    const accessToken = json.accessToken;
    const expiresIn = json.expiresIn;
    const details = this.details({ responseCode: code });
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new ContractBreachError(
        `${this.profile.provider}: accessToken is missing in the token response`,
        details,
      );
    }
    const seconds =
      typeof expiresIn === 'number'
        ? expiresIn
        : typeof expiresIn === 'string' && /^\d+$/.test(expiresIn)
          ? Number(expiresIn)
          : NaN;
    if (!Number.isInteger(seconds) || seconds <= 0) {
      throw new ContractBreachError(
        `${this.profile.provider}: expiresIn ${show(expiresIn)} is not a positive number of seconds`,
        details,
      );
    }
    this.deps.onTokenIssued?.(this.profile.provider, this.credentials.name);
    return { accessToken, expiresInSeconds: seconds };
  }

  /**
   * A signed transactional call with the shared token. A rejected token (401xx01/03) is
   * invalidated and the call retried once with a fresh one; a duplicate external id
   * (409xx00) is retried once with a new id. Public for the operation files (history.ts): every
   * call goes through the same token, signing and rate limiter.
   */
  async authorizedCall(
    operation: SnapCallEvent['operation'],
    urlPath: string,
    signedPath: string,
    body: (reference: string) => object,
  ): Promise<{ json: Record<string, unknown>; code: string; externalId: string }> {
    let tokenRetried = false;
    let duplicateRetried = false;
    for (;;) {
      const token = await this.tokens.get();
      const externalId = this.deps.ids.next();
      const bytes = JSON.stringify(body(externalId));
      const timestamp = jakartaTimestamp();
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token}`,
        'X-TIMESTAMP': timestamp,
        'X-SIGNATURE': signTransactional(
          this.credentials.clientSecret.reveal(),
          { method: this.profile.method, signedPath, accessToken: token, body: bytes, timestamp },
          this.profile.signatureEncoding,
        ),
        [this.profile.headers.partnerId]: this.credentials.partnerId,
        [this.profile.headers.externalId]: externalId,
        [this.profile.headers.channel]: channelValue(
          this.profile,
          this.credentials.clientId,
          this.credentials.channelId,
        ),
        ...this.profile.staticHeaders,
      };
      if (this.profile.sendClientSecret) {
        headers['X-CLIENT-SECRET'] = this.credentials.clientSecret.reveal();
      }
      try {
        const { json, code } = await this.exchange(
          operation,
          urlPath,
          headers,
          bytes,
          externalId,
          token,
        );
        return { json, code, externalId };
      } catch (e) {
        if (e instanceof TokenRejectedSnapError && !tokenRetried) {
          tokenRetried = true;
          this.deps.logger?.warn(
            { provider: this.profile.provider, externalId, responseCode: e.details.responseCode },
            'token rejected; refreshing once',
          );
          await this.tokens.invalidate(token);
          continue;
        }
        if (e instanceof TransientSnapError && e.details.httpStatus === 409 && !duplicateRetried) {
          duplicateRetried = true;
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * One POST, if the provider's breaker admits it and once its pace allows; the answer (or
   * the failure) is told to the breaker.
   */
  private async exchange(
    ...args: Parameters<SnapClient['send']>
  ): Promise<{ json: Record<string, unknown>; code: string }> {
    const provider = this.profile.provider;
    const breaker = this.deps.breaker;
    await breaker?.admit(provider);
    await this.deps.rateLimiter?.acquire(provider);
    try {
      const answer = await this.send(...args);
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

  /** One POST: sends, times, parses the JSON and the code, and throws classified errors. */
  private async send(
    operation: SnapCallEvent['operation'],
    path: string,
    headers: Record<string, string>,
    body: string,
    externalId?: string,
    token?: string,
  ): Promise<{ json: Record<string, unknown>; code: string }> {
    const started = performance.now();
    const report = (outcome: string) => {
      const event = {
        provider: this.profile.provider,
        operation,
        outcome,
        durationMs: performance.now() - started,
        externalId,
      };
      this.deps.onCall?.(event);
      this.deps.logger?.debug(event, 'snap call');
    };
    let raw;
    try {
      raw = await this.deps.http.post(this.credentials.baseUrl + path, headers, body);
    } catch (e) {
      if (e instanceof ResponseTooLargeError) {
        report('too-large');
        throw new ContractBreachError(
          `${this.profile.provider}: ${operation} response body is larger than ${e.limit} bytes (HTTP ${e.status}); not read further`,
          this.details({ httpStatus: e.status, externalId }),
        );
      }
      report('network-error');
      const reason = (e as { code?: string }).code ?? (e as Error).name;
      throw new TransientSnapError(
        `${this.profile.provider}: ${operation} failed: ${reason}`,
        this.details({ externalId }),
      );
    }
    const secrets = [this.credentials.clientSecret.reveal(), ...(token ? [token] : [])];
    // Built only on a failure: scrubbing the raw body is a pass over it.
    const details = () =>
      this.details({
        httpStatus: raw.status,
        externalId,
        rawBody: scrubBody(raw.body, secrets),
      });
    let json: Record<string, unknown>;
    try {
      json = parseJsonObject(raw.body, details);
    } catch (e) {
      report('no-code');
      throw e;
    }
    const code = parseResponseCode(json.responseCode);
    if (!code && json.responseCode === undefined && (raw.status === 429 || raw.status >= 500)) {
      // A gateway in front of the provider (rate limiter, load balancer) answers with its own
      // JSON that carries no SNAP code: what the HTTP status says, not a contract breach.
      report(`http-${raw.status}`);
      const message = `${this.profile.provider}: ${operation} answered HTTP ${raw.status} without a responseCode`;
      throw raw.status === 429
        ? new RateLimitedSnapError(message, details())
        : new TransientSnapError(message, details());
    }
    if (!code) {
      report('no-code');
      throw new ContractBreachError(
        `${this.profile.provider}: responseCode ${show(json.responseCode)} is not a 7-digit SNAP code`,
        details(),
      );
    }
    report(code.code);
    if (Math.floor(raw.status / 100) !== Math.floor(code.httpStatus / 100)) {
      // The SNAP code carries the HTTP status in its first three digits; a provider whose two
      // disagree says two things at once, and neither can be trusted.
      throw new ContractBreachError(
        `${this.profile.provider}: HTTP status ${raw.status} disagrees with responseCode ${code.code}`,
        { ...details(), responseCode: code.code },
      );
    }
    if (!isSuccess(code)) {
      // A provider may echo what it was sent (a secret, the token): scrubbed like a raw body.
      const responseMessage =
        typeof json.responseMessage === 'string'
          ? scrubBody(json.responseMessage, secrets)
          : undefined;
      const error = classifyFailure(code, { ...details(), responseMessage });
      if (responseMessage?.includes('X-TIMESTAMP')) {
        // Usually a clock off on one side: say what was sent and what this machine thinks.
        error.message += `; X-TIMESTAMP sent ${headers['X-TIMESTAMP']} (this machine's clock ${new Date().toISOString()}): check the clocks`;
      }
      throw error;
    }
    const expectedService = operation === 'access-token' ? SERVICE_CODE.accessToken : null;
    if (expectedService && code.serviceCode !== expectedService) {
      throw new ContractBreachError(
        `${this.profile.provider}: responseCode ${code.code} is not a token response`,
        details(),
      );
    }
    return { json, code: code.code };
  }

  private parseBalances(
    json: Record<string, unknown>,
    currency: string,
    details: SnapErrorDetails,
  ): BalanceEntry[] {
    const infos = json.accountInfos;
    const breach = (message: string) =>
      new ContractBreachError(`${this.profile.provider}: ${message}`, {
        ...details,
        rawBody: scrubBody(JSON.stringify(json), []),
      });
    if (!Array.isArray(infos) || infos.length === 0) {
      throw breach(`accountInfos ${show(infos)} is missing or empty`);
    }
    const { balanceField } = this.profile.response;
    return infos.map((info, i) => {
      const field = `accountInfos[${i}].${balanceField}`;
      let value: bigint;
      try {
        value = parseAmount(pick(info, `${balanceField}.value`), `${field}.value`);
      } catch (e) {
        if (e instanceof AmountFormatError) throw breach(e.message);
        throw e;
      }
      const got = pick(info, `${balanceField}.currency`);
      if (got !== currency) {
        throw breach(
          `${field}.currency ${show(got)} is not the account's currency ${show(currency)}`,
        );
      }
      const balanceType = pick(info, 'balanceType');
      return { balanceType: typeof balanceType === 'string' ? balanceType : null, value, currency };
    });
  }

  private chooseBalance(balances: BalanceEntry[], details: SnapErrorDetails): BalanceEntry {
    const wanted = this.profile.response.balanceType;
    if (wanted === null) {
      if (balances.length === 1) return balances[0];
      // Picking the first of several would reconcile whichever the provider listed first.
      throw new ContractBreachError(
        `${this.profile.provider}: accountInfos has ${balances.length} entries (balanceType ${show(balances.map((b) => b.balanceType))}) and the profile names no balanceType to reconcile; set SNAP_${this.profile.provider.toUpperCase()}_BALANCE_TYPE`,
        details,
      );
    }
    const found = balances.find((b) => b.balanceType === wanted);
    if (!found) {
      throw new ContractBreachError(
        `${this.profile.provider}: accountInfos has no balanceType ${show(wanted)} (got ${show(balances.map((b) => b.balanceType))})`,
        details,
      );
    }
    return found;
  }

  private providerTime(
    json: Record<string, unknown>,
    requestTime: Date,
    details: SnapErrorDetails,
  ): Date | null {
    const field = this.profile.response.providerTimeField;
    if (!field) return null;
    const raw = pick(json, field);
    if (raw === undefined || raw === null) return null;
    let ms =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^\d{1,15}$/.test(raw)
          ? Number(raw)
          : NaN;
    const unit = this.profile.response.providerTimeUnit;
    if (!Number.isSafeInteger(ms) || ms <= 0) {
      throw new ContractBreachError(
        `${this.profile.provider}: ${field} ${show(raw)} is not epoch ${unit === 's' ? 'seconds' : 'milliseconds'}`,
        details,
      );
    }
    // The provider time decides which ledger entries count: a wrong one is a silent cut-off
    // in the wrong place, so it must be near the request time and in milliseconds.
    if (unit === 's') ms *= 1000;
    else if (ms < SECONDS_LOOK_ALIKE_BELOW_MS) {
      throw new ContractBreachError(
        `${this.profile.provider}: ${field} ${show(raw)} looks like epoch seconds, not milliseconds (${new Date(ms).toISOString()})`,
        details,
      );
    }
    const skew = this.deps.providerTimeSkewMs ?? DEFAULT_PROVIDER_TIME_SKEW_MS;
    const off = ms - requestTime.getTime();
    if (Math.abs(off) > skew) {
      throw new ContractBreachError(
        `${this.profile.provider}: ${field} ${show(raw)} (${new Date(ms).toISOString()}) is ${Math.round(off / 1000)} s from the request time ${requestTime.toISOString()}, beyond the allowed ${skew / 1000} s`,
        details,
      );
    }
    return new Date(ms);
  }

  /**
   * A seller's account (NICEPay `msId`) must be answered for that seller: an answer without the
   * seller id, or with another one, may be the parent merchant's balance, and comparing it
   * with the seller's ledger would report a break that is not there (or hide one).
   */
  private checkSeller(
    json: Record<string, unknown>,
    account: BalanceAccount,
    details: SnapErrorDetails,
  ): void {
    const field = this.profile.response.sellerIdField;
    if (!account.msId) return;
    if (!field) {
      throw new ContractBreachError(
        `${this.profile.provider}: the account has seller id ${show(account.msId)} but the provider's profile knows no sellers (response.sellerIdField)`,
        details,
      );
    }
    const echoed = pick(json, field);
    if (echoed !== account.msId) {
      throw new ContractBreachError(
        `${this.profile.provider}: asked for seller msId ${show(account.msId)}, the answer's ${field} is ${show(echoed)}: it may be another merchant's balance`,
        details,
      );
    }
  }

  /** The merchant name the provider reported, where its profile says it names one. */
  private merchantName(json: Record<string, unknown>): string | null {
    const field = this.profile.response.merchantNameField;
    const value = field ? pick(json, field) : undefined;
    return typeof value === 'string' ? value : null;
  }

  private details(extra: Partial<SnapErrorDetails>): SnapErrorDetails {
    return { provider: this.profile.provider, ...extra };
  }
}

/** Re-exported for callers that only need to test an error's class. */
export { SnapError };
