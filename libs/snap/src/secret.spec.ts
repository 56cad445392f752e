import { inspect } from 'node:util';
import { scrubBody } from './response-body';
import { Secret } from './secret';

describe('Secret', () => {
  it('never prints its value', () => {
    const s = new Secret('hunter2-hunter2');
    expect(String(s)).toBe('[REDACTED]');
    expect(`${s}`).toBe('[REDACTED]');
    expect(JSON.stringify({ s })).toBe('{"s":"[REDACTED]"}');
    expect(inspect({ nested: { s } })).not.toContain('hunter2');
    expect(s.reveal()).toBe('hunter2-hunter2');
  });
});

describe('scrubBody', () => {
  it('replaces known secrets and truncates long bodies', () => {
    expect(scrubBody('token abcdef and abcdef', ['abcdef'])).toBe(
      'token [REDACTED] and [REDACTED]',
    );
    const long = 'x'.repeat(5_000);
    expect(scrubBody(long, [])).toMatch(/…\(5000 chars\)$/);
    expect(scrubBody(long, []).length).toBeLessThan(2_100);
  });

  it('redacts token fields of a JSON answer, escaped quotes included', () => {
    expect(
      scrubBody('{"accessToken" : "ab\\"cd","tokenType":"Bearer","expiresIn":"900"}', []),
    ).toBe('{"accessToken" : "[REDACTED]","tokenType":"Bearer","expiresIn":"900"}');
    expect(scrubBody('{"access_token":"x","refreshToken":"y"}', [])).toBe(
      '{"access_token":"[REDACTED]","refreshToken":"[REDACTED]"}',
    );
  });

  it('redacts before truncating, so no piece of a secret survives at the cut', () => {
    const secret = 'S'.repeat(10);
    const body = 'x'.repeat(1_995) + secret + 'y'.repeat(100);
    const out = scrubBody(body, [secret]);
    expect(out).not.toContain('SSSS');
    const token = `{"pad":"${'p'.repeat(1_960)}","accessToken":"${'t'.repeat(64)}"}`;
    expect(scrubBody(token, [])).not.toContain('tttt');
  });
});
