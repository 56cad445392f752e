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
});
