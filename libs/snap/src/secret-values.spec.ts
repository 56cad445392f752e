import { generateKeyPairSync } from 'node:crypto';
import {
  MAX_ROTATING_VALUES,
  redactSecretValues,
  rememberPemSecret,
  rememberRotatingSecretValue,
  rememberSecretValue,
} from './secret-values';
import { Secret } from './secret';

describe('redaction by value', () => {
  it('removes every remembered value from a text, longest first', () => {
    rememberSecretValue('tok-abcdefgh');
    rememberSecretValue('tok-abcdefgh-longer');
    expect(redactSecretValues('a tok-abcdefgh-longer and tok-abcdefgh.')).toBe(
      'a [REDACTED] and [REDACTED].',
    );
  });

  it('remembers the value of every Secret and each line of a PEM body', () => {
    new Secret('client-secret-value-1');
    // A key made here: no key material sits in the repository.
    const pem = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({
      type: 'pkcs1',
      format: 'pem',
    }) as string;
    rememberPemSecret(pem);
    const line = pem.split('\n')[1];
    expect(redactSecretValues(`x client-secret-value-1 ${line} y`)).toBe(
      'x [REDACTED] [REDACTED] y',
    );
  });

  it('removes a value with a quote or backslash also where JSON escaped it', () => {
    const value = 'se"cr\\et-value-9';
    rememberSecretValue(value);
    expect(redactSecretValues(`raw ${value} json ${JSON.stringify({ v: value })}`)).toBe(
      'raw [REDACTED] json {"v":"[REDACTED]"}',
    );
  });

  it('keeps configuration secrets however many access tokens and key lines come after them', () => {
    rememberSecretValue('config-password-kept-1');
    // More key lines than the rotating cap (hundreds of per-merchant keys), then more tokens.
    for (let i = 0; i < MAX_ROTATING_VALUES + 10; i++) rememberSecretValue(`key-line-${i}-abcdef`);
    for (let i = 0; i < MAX_ROTATING_VALUES + 10; i++)
      rememberRotatingSecretValue(`access-token-${i}-abcdef`);
    expect(redactSecretValues('pw config-password-kept-1 key key-line-0-abcdef')).toBe(
      'pw [REDACTED] key [REDACTED]',
    );
    // Tokens rotate: the oldest are forgotten, the newest kept.
    const newest = `access-token-${MAX_ROTATING_VALUES + 9}-abcdef`;
    expect(redactSecretValues('old access-token-0-abcdef new ' + newest)).toBe(
      'old access-token-0-abcdef new [REDACTED]',
    );
  });

  it('leaves short values and ordinary text alone', () => {
    rememberSecretValue('short');
    expect(redactSecretValues('a short text with regex chars .*+?')).toBe(
      'a short text with regex chars .*+?',
    );
  });
});
