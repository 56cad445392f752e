import { CredentialRefusedError, refusesCredentials, TokenRefusal } from './credential-refusal';
import { ContractBreachError, TransientSnapError } from './errors';
import { classifyFailure, parseResponseCode } from './response-code';

/** The error a token request answered with `code` turns into. */
const answered = (code: string) =>
  classifyFailure(parseResponseCode(code)!, {
    provider: 'nicepay',
    httpStatus: Number(code.slice(0, 3)),
  });

describe('refusesCredentials: which token-request answers are held', () => {
  it.each([
    ['4007300', 'Bad Request'],
    ['4007301', 'Invalid Field Format'],
    ['4017300', 'Unauthorized [Signature]'],
    ['4017301', 'Invalid Token (B2B)'],
    ['4037301', 'Feature Not Allowed'],
    ['4037305', 'Do Not Honor'],
  ])('%s (%s): held', (code) => {
    expect(refusesCredentials(answered(code))).toBe(true);
  });

  it.each([
    ['4037304', 'Activity Count Limit Exceeded: a rate limit'],
    ['4297300', 'Too Many Requests'],
    ['4097300', 'Conflict: a duplicate id, fixed by a new one'],
    ['4047308', 'a 404: a wrong path is every call’s, not the credentials’'],
    ['4087300', 'a code PROTOCOL.md does not list'],
    ['5007300', 'General Error'],
    ['5047300', 'Timeout'],
  ])('%s (%s): not held', (code) => {
    expect(refusesCredentials(answered(code))).toBe(false);
  });

  it('a network error, a breach or an already held refusal: not held', () => {
    expect(refusesCredentials(new TransientSnapError('reset', { provider: 'nicepay' }))).toBe(
      false,
    );
    expect(refusesCredentials(new ContractBreachError('no token', { provider: 'nicepay' }))).toBe(
      false,
    );
    expect(refusesCredentials(new CredentialRefusedError('held', { provider: 'nicepay' }))).toBe(
      false,
    );
    expect(refusesCredentials(new Error('plain'))).toBe(false);
  });
});

describe('TokenRefusal', () => {
  it('throws from the refusal until the hold ends, then lets the request go', () => {
    let now = Date.parse('2026-12-06T05:00:00Z');
    const refusal = new TokenRefusal('merchant-7', 60_000, () => now);
    expect(() => refusal.check()).not.toThrow();
    const seen = refusal.hold(answered('4017300'));
    expect(seen).toBeInstanceOf(CredentialRefusedError);
    expect(seen.details.responseCode).toBe('4017300');
    expect(seen.message).toMatch(
      /^nicepay answered 4017300.*; the token request of credential set 'merchant-7' is not sent again by this process before 2026-12-06T05:01:00.000Z$/,
    );
    now += 59_999;
    expect(() => refusal.check()).toThrow(
      /^nicepay: not sent: its token request for credential set 'merchant-7' was refused at 2026-12-06T05:00:00.000Z \(nicepay answered 4017300.*\); not asked again by this process before 2026-12-06T05:01:00.000Z$/,
    );
    now += 1;
    expect(() => refusal.check()).not.toThrow();
  });
});
