import { timingSafeEqual, createHash } from 'node:crypto';
import { AppConfig, DEV_BASIC_AUTH_PASSWORD } from '@app/config';

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Thrown at start-up when production has no API credentials. */
export function assertApiCredentials(config: AppConfig): void {
  if (
    config.NODE_ENV === 'production' &&
    config.API_KEYS.length === 0 &&
    !config.BASIC_AUTH_PASSWORD
  ) {
    throw new Error(
      'API_KEYS or BASIC_AUTH_PASSWORD: one is required when NODE_ENV=production (there is no default password in production)',
    );
  }
}

/**
 * Checks a request's credentials: an `X-API-Key` header matching one of `API_KEYS`, or HTTP
 * basic auth with `BASIC_AUTH_USER` / `BASIC_AUTH_PASSWORD` (in development and test without a
 * configured password: {@link DEV_BASIC_AUTH_PASSWORD}).
 */
export class CredentialsCheck {
  private readonly password: string | undefined;

  constructor(private readonly config: AppConfig) {
    this.password =
      config.BASIC_AUTH_PASSWORD ??
      (config.NODE_ENV === 'production' ? undefined : DEV_BASIC_AUTH_PASSWORD);
  }

  allows(headers: Record<string, string | string[] | undefined>): boolean {
    const apiKey = headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey !== '') {
      return this.config.API_KEYS.some((key) => sameSecret(key, apiKey));
    }
    const authorization = headers.authorization;
    if (typeof authorization !== 'string' || !authorization.startsWith('Basic ') || !this.password)
      return false;
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const userOk = sameSecret(decoded.slice(0, colon), this.config.BASIC_AUTH_USER);
    const passwordOk = sameSecret(decoded.slice(colon + 1), this.password);
    return userOk && passwordOk;
  }
}
