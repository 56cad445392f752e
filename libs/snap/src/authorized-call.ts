/**
 * The retry loop of a transactional call: the shared token, a fresh external id and signature
 * per attempt, and the two retries SNAP asks for. Every operation (balance, account status,
 * history) calls through it.
 */
import type { SnapLogger, SnapOperation } from './client-deps';
import {
  ContractBreachError,
  SnapError,
  TokenRejectedSnapError,
  TransientSnapError,
} from './errors';
import type { ExternalIdGenerator } from './external-id';
import type { SnapHttpMethod } from './http';
import type { ProviderProfile } from './profiles';
import type { ProviderName } from './providers/index';
import type { SentAnswer } from './read-response';
import { scrubBody } from './response-body';
import type { TokenManager } from './token-manager';
import type { SnapTransport } from './transport';

/**
 * A successful transactional answer, the external id of the attempt that got it and when that
 * attempt left (not the first attempt, nor the wait for a token or the provider's pace).
 */
export interface AuthorizedAnswer extends SentAnswer {
  externalId: string;
}

/** Where a transactional call goes and what it sends (built per attempt from its reference). */
export interface AuthorizedRequest {
  operation: SnapOperation;
  urlPath: string;
  signedPath: string;
  body: (reference: string) => object;
  /** Sent and signed with this method; POST when absent. */
  method?: SnapHttpMethod;
}

/** What an operation needs of a client: its profile and the authorized call. */
export interface AuthorizedCaller {
  readonly profile: ProviderProfile;
  /** The retry loop's call ({@link authorizedCall}) with the client's token and transport. */
  authorizedCall(
    operation: SnapOperation,
    urlPath: string,
    signedPath: string,
    body: (reference: string) => object,
    method?: SnapHttpMethod,
  ): Promise<AuthorizedAnswer>;
}

/** The pieces the retry loop works with. */
export interface AuthorizedCallParts {
  transport: SnapTransport;
  tokens: Pick<TokenManager, 'get' | 'invalidate'>;
  ids: ExternalIdGenerator;
  logger?: SnapLogger;
}

/**
 * A signed transactional call with the shared token. A rejected token (401xx01/03) is
 * invalidated and the call retried once with a fresh one; a duplicate external id
 * (409xx00) is retried once with a new id; a 401 to an operation whose provider's pages show
 * two Authorization forms is retried once in the other form; refused there too, it fails with
 * the refusal that is not about the token (else the first form's).
 */
export async function authorizedCall(
  parts: AuthorizedCallParts,
  request: AuthorizedRequest,
): Promise<AuthorizedAnswer> {
  const { transport, tokens, ids, logger } = parts;
  let tokenRetried = false;
  let duplicateRetried = false;
  /** The 401 in the form sent first, once the other form is being tried. */
  let refusedInFirstForm: SnapError | null = null;
  for (;;) {
    const token = await tokens.get();
    const externalId = ids.next();
    const body = JSON.stringify(request.body(externalId));
    const method = request.method ?? 'POST';
    const scheme = transport.schemeOf(request.operation);
    // Signed before the breaker and the pace, again if they held it 1 s or more (see exchange).
    const headers = (timestamp: string) =>
      transport.signedHeaders({
        operation: request.operation,
        scheme,
        method,
        token,
        externalId,
        signedPath: request.signedPath,
        body,
        timestamp,
      });
    try {
      const { json, code, sentAt, answeredAt } = await transport.exchange({
        operation: request.operation,
        method,
        path: request.urlPath,
        headers,
        body,
        externalId,
        token,
        logger,
      });
      return { json, code, externalId, sentAt, answeredAt };
    } catch (e) {
      if (refusedInFirstForm && e instanceof SnapError && e.details.httpStatus === 401) {
        // Refused in the other form too: back to the first form, failing with the answer that
        // says why. A provider that takes one form only answers the other "Invalid Token"
        // (no reason to ask a new token), so the refusal that is not about the token wins
        // (e.g. 4011100, a signature made with a wrong secret: permanent, not retried).
        transport.refused(request.operation, scheme);
        const aboutTheForm = (x: SnapError) => x instanceof TokenRejectedSnapError;
        throw aboutTheForm(refusedInFirstForm) && !aboutTheForm(e) ? e : refusedInFirstForm;
      }
      if (e instanceof TokenRejectedSnapError && !tokenRetried) {
        tokenRetried = true;
        logger?.warn(
          {
            provider: transport.profile.provider,
            externalId,
            responseCode: e.details.responseCode,
          },
          'token rejected; refreshing once',
        );
        await tokens.invalidate(token);
        continue;
      }
      if (e instanceof SnapError && e.details.httpStatus === 401) {
        // Refused in the Authorization form sent: once, the other form of the provider's pages
        // (kept when it works); refused in both, back to the form sent first.
        if (refusedInFirstForm === null && transport.refused(request.operation, scheme)) {
          refusedInFirstForm = e;
          logger?.warn(
            {
              provider: transport.profile.provider,
              operation: request.operation,
              externalId,
              responseCode: e.details.responseCode,
            },
            'Authorization refused in this form; trying the other form of the provider’s pages',
          );
          continue;
        }
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
 * A contract breach in a successful answer's content, carrying the answer's code, external id
 * and (scrubbed) body, for the operations that read the answer.
 */
export function answerBreach(
  provider: ProviderName,
  message: string,
  answer: AuthorizedAnswer,
): ContractBreachError {
  return new ContractBreachError(`${provider}: ${message}`, {
    provider,
    responseCode: answer.code,
    externalId: answer.externalId,
    rawBody: scrubBody(JSON.stringify(answer.json), []),
  });
}
