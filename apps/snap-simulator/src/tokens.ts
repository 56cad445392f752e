import { randomBytes } from 'node:crypto';

/** An access token the simulator issued. */
export interface TokenRecord {
  provider: string;
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

/** Why a presented token is refused. */
export type TokenProblem =
  'missing' | 'malformed' | 'not bare' | 'unknown' | 'expired' | 'revoked' | 'other-provider';

const SWEEP_EVERY = 1_000;

/** Issued access tokens, looked up on every transactional call. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private issuedSinceSweep = 0;
  /** Every token issued since start or `clear()`, for tests that scan for leaked tokens. */
  readonly issued: string[] = [];

  /** A new opaque token for a partner, valid `lifetimeSeconds` from `now`. */
  issue(provider: string, clientId: string, lifetimeSeconds: number, now: number): string {
    if (++this.issuedSinceSweep >= SWEEP_EVERY) this.sweep(now);
    const token = randomBytes(30).toString('base64url');
    this.issued.push(token);
    this.tokens.set(token, {
      provider,
      clientId,
      expiresAt: now + lifetimeSeconds * 1000,
      revoked: false,
    });
    return token;
  }

  /**
   * Holds a token the simulator did not issue (e.g. the one printed on a provider's page), so
   * a published signed request can be replayed. It is not added to `issued`: tests that scan
   * for leaks add the texts they brought themselves.
   */
  hold(provider: string, clientId: string, token: string, expiresAt: number): void {
    this.tokens.set(token, { provider, clientId, expiresAt, revoked: false });
  }

  /** The record behind an `Authorization` header value, or why it is refused. */
  check(
    provider: string,
    authorization: string | undefined,
    now: number,
    scheme: 'Bearer' | 'bare' = 'Bearer',
  ): { record: TokenRecord; token: string } | { problem: TokenProblem } {
    if (!authorization) return { problem: 'missing' };
    const match = (scheme === 'Bearer' ? /^Bearer ([^\s]+)$/ : /^([^\s]+)$/).exec(authorization);
    if (!match) return { problem: scheme === 'Bearer' ? 'malformed' : 'not bare' };
    const token = match[1];
    const record = this.tokens.get(token);
    if (!record) return { problem: 'unknown' };
    if (record.revoked) return { problem: 'revoked' };
    if (record.expiresAt <= now) return { problem: 'expired' };
    if (record.provider !== provider) return { problem: 'other-provider' };
    return { record, token };
  }

  /** The provider a presented token (`Bearer` or bare) was issued for, if the simulator knows it. */
  providerOf(authorization: string | undefined): string | undefined {
    const match = /^(?:Bearer )?([^\s]+)$/.exec(authorization ?? '');
    return match ? this.tokens.get(match[1])?.provider : undefined;
  }

  /** Revokes one token (the `token-revoked` fault). */
  revoke(token: string): void {
    const record = this.tokens.get(token);
    if (record) record.revoked = true;
  }

  /** Revokes every live token matching the filter; returns how many. */
  revokeWhere(filter: { provider?: string; clientId?: string } = {}): number {
    let n = 0;
    for (const record of this.tokens.values()) {
      if (record.revoked) continue;
      if (filter.provider && record.provider !== filter.provider) continue;
      if (filter.clientId && record.clientId !== filter.clientId) continue;
      record.revoked = true;
      n += 1;
    }
    return n;
  }

  /** Live (unexpired, unrevoked) tokens. */
  liveCount(now: number): number {
    let n = 0;
    for (const r of this.tokens.values()) if (!r.revoked && r.expiresAt > now) n += 1;
    return n;
  }

  clear(): void {
    this.tokens.clear();
    this.issued.length = 0;
  }

  private sweep(now: number): void {
    this.issuedSinceSweep = 0;
    for (const [token, record] of this.tokens)
      if (record.expiresAt <= now) this.tokens.delete(token);
  }
}
