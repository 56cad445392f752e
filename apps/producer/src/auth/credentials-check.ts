import { timingSafeEqual, createHash } from 'node:crypto';
import { AppConfig, DEV_BASIC_AUTH_PASSWORD, isProduction, NamedCredential } from '@app/config';
import type { Actor } from './actor';

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Thrown at start-up when production has no API credentials. */
export function assertApiCredentials(config: AppConfig): void {
  if (
    isProduction(config) &&
    config.API_KEYS.length === 0 &&
    !config.BASIC_AUTH_PASSWORD &&
    config.BASIC_AUTH_USERS.length === 0
  ) {
    throw new Error(
      'API_KEYS, BASIC_AUTH_PASSWORD or BASIC_AUTH_USERS: one is required in production (NODE_ENV other than development; there is no default password in production)',
    );
  }
}

/** What a request presented, before it is checked. */
export type Presented =
  | { kind: 'none' }
  | { kind: 'apiKey'; key: string }
  | { kind: 'basic'; user: string; password: string }
  | { kind: 'malformed' };

/**
 * The token of a basic `Authorization` header. The scheme's name is case-insensitive (RFC 9110
 * 11.1: `basic` and `BASIC` are `Basic`), and it may be followed by more than one space.
 */
export function basicToken(authorization: string): string | undefined {
  return /^basic +([^\s]+) *$/i.exec(authorization)?.[1];
}

/** Reads the credentials a request presents (`X-API-Key` first, then basic auth). */
export function presented(headers: Record<string, string | string[] | undefined>): Presented {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return { kind: 'apiKey', key: apiKey };
  const authorization = headers.authorization;
  if (typeof authorization !== 'string') return { kind: 'none' };
  const encoded = basicToken(authorization);
  if (encoded === undefined) return { kind: 'malformed' };
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'malformed' };
  return { kind: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Checks a request's credentials against the configured ones and says who it is: an
 * `X-API-Key` matching one of `API_KEYS`, or HTTP basic auth as `BASIC_AUTH_USER` /
 * `BASIC_AUTH_PASSWORD` (in development without a configured password:
 * {@link DEV_BASIC_AUTH_PASSWORD}) or as one of `BASIC_AUTH_USERS`. Every candidate is compared,
 * in constant time, so the answer's timing says nothing about which one was close.
 */
export class CredentialsCheck {
  private readonly users: NamedCredential[];

  constructor(private readonly config: AppConfig) {
    const password =
      config.BASIC_AUTH_PASSWORD ?? (isProduction(config) ? undefined : DEV_BASIC_AUTH_PASSWORD);
    this.users = [
      ...(password
        ? [{ name: config.BASIC_AUTH_USER, role: config.BASIC_AUTH_ROLE, secret: password }]
        : []),
      ...config.BASIC_AUTH_USERS,
    ];
  }

  /** The actor the headers authenticate, or undefined. */
  actor(headers: Record<string, string | string[] | undefined>): Actor | undefined {
    return this.actorOf(presented(headers));
  }

  actorOf(given: Presented): Actor | undefined {
    let found: NamedCredential | undefined;
    if (given.kind === 'apiKey') {
      for (const key of this.config.API_KEYS)
        if (sameSecret(key.secret, given.key) && !found) found = key;
    } else if (given.kind === 'basic') {
      for (const user of this.users) {
        const userOk = sameSecret(given.user, user.name);
        const passwordOk = sameSecret(given.password, user.secret);
        if (userOk && passwordOk && !found) found = user;
      }
    }
    return found ? { name: found.name, role: found.role } : undefined;
  }

  /** True when the headers carry valid credentials. */
  allows(headers: Record<string, string | string[] | undefined>): boolean {
    return this.actor(headers) !== undefined;
  }
}
