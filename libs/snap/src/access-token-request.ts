/**
 * The B2B access-token request (SNAP `access-token/b2b`): signed with the private key, answered
 * with a token and its lifetime. The token manager calls it; nothing else should.
 */
import type { SnapCredentials } from './credentials';
import { ContractBreachError } from './errors';
import { show } from './response-body';
import { signTokenRequest } from './signing';
import type { IssuedToken } from './token-manager';
import type { SnapTransport } from './transport';

const TOKEN_REQUEST_BODY = JSON.stringify({ grantType: 'client_credentials', additionalInfo: {} });

/**
 * Asks the provider for a new access token; throws a {@link ContractBreachError} when the answer
 * has no token or no positive lifetime in seconds.
 */
export async function requestAccessToken(
  transport: SnapTransport,
  credentials: SnapCredentials,
): Promise<IssuedToken> {
  const { provider, tokenPath } = transport.profile;
  // Signed before the breaker and the pace, and again when they held it a second or more: the
  // RSA signature covers X-TIMESTAMP, which must be the second the request leaves.
  const headers = (timestamp: string) => ({
    'Content-Type': 'application/json',
    'X-TIMESTAMP': timestamp,
    'X-CLIENT-KEY': credentials.clientId,
    'X-SIGNATURE': signTokenRequest(credentials.clientId, timestamp, credentials.privateKey),
  });
  const { json, code } = await transport.exchange({
    operation: 'access-token',
    path: tokenPath,
    headers,
    body: TOKEN_REQUEST_BODY,
  });
  const accessToken = json.accessToken;
  const expiresIn = json.expiresIn;
  const details = { provider, responseCode: code };
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new ContractBreachError(
      `${provider}: accessToken is missing in the token response`,
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
      `${provider}: expiresIn ${show(expiresIn)} is not a positive number of seconds`,
      details,
    );
  }
  return { accessToken, expiresInSeconds: seconds };
}
