import { parseHttpDate, parseRetryAfter, rateLimitPauseMs } from './retry-after';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('60', NOW)).toBe(60_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 7 ', NOW)).toBe(7_000);
  });

  it('reads an HTTP-date as the time until it, in each of the three forms', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 15-Jan-25 12:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Wed Jan 15 12:00:05 2025', NOW)).toBe(5_000);
    expect(parseRetryAfter('Wed Jan  1 00:00:00 2025', NOW)).toBe(0);
  });

  it('a date already past asks for no wait', () => {
    expect(parseRetryAfter('Tue, 14 Jan 2025 12:00:00 GMT', NOW)).toBe(0);
  });

  it.each([
    ['no header', undefined],
    ['empty', ''],
    ['negative', '-5'],
    ['a fraction', '1.5'],
    ['a word', 'soon'],
    ['a number with a unit', '60s'],
    ['an ISO date (not an HTTP-date)', '2025-01-15T12:00:30Z'],
    ['a date in no time zone', 'Wed, 15 Jan 2025 12:00:30'],
    ['an impossible date', 'Fri, 31 Feb 2025 12:00:00 GMT'],
    ['an impossible time', 'Wed, 15 Jan 2025 25:00:00 GMT'],
    ['hexadecimal', '0x10'],
  ])('ignores %s', (_what, value) => {
    expect(parseRetryAfter(value, NOW)).toBeNull();
  });

  it('keeps a huge value a safe integer', () => {
    expect(parseRetryAfter('9'.repeat(400), NOW)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('parseHttpDate agrees with Date.parse on the preferred form', () => {
    const text = 'Sun, 06 Nov 1994 08:49:37 GMT';
    expect(parseHttpDate(text)).toBe(Date.parse(text));
  });
});

describe('rateLimitPauseMs', () => {
  const limits = { pauseMs: 1_000, maxPauseMs: 300_000 };

  it('is our own pause when the provider said nothing, or asked for less', () => {
    expect(rateLimitPauseMs(null, limits)).toBe(1_000);
    expect(rateLimitPauseMs(0, limits)).toBe(1_000);
    expect(rateLimitPauseMs(500, limits)).toBe(1_000);
  });

  it("is the provider's Retry-After when longer", () => {
    expect(rateLimitPauseMs(60_000, limits)).toBe(60_000);
  });

  it('caps a huge Retry-After at the maximum', () => {
    expect(rateLimitPauseMs(86_400_000, limits)).toBe(300_000);
    expect(rateLimitPauseMs(parseRetryAfter('9'.repeat(400), NOW), limits)).toBe(300_000);
  });
});
