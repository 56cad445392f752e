import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@app/config';
import { CredentialsConfigError, loadCredentials } from '@app/snap';
import { rsaKeyPair } from '../snap/support/keys';

/**
 * Bad configuration through the functions every app runs at start-up (`loadConfig`,
 * `loadCredentials`): each problem names the variable and the value (a secret's value never),
 * and every problem is listed at once, so the process stops before touching anything.
 */
describe('bad input: configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bad-config-'));
  const rsa = rsaKeyPair(2048, 'pkcs8');
  const SECRET = 'cfg-secret-Zq8vW3nKp1';
  const netzme = (over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
    SNAP_NETZME_BASE_URL: 'http://127.0.0.1:8090',
    SNAP_NETZME_CLIENT_ID: 'NZ-CLIENT',
    SNAP_NETZME_CLIENT_SECRET: SECRET,
    SNAP_NETZME_PRIVATE_KEY: rsa.privateKeyPem,
    ...over,
  });

  /** The problems of the start-up error `fn` throws; none may contain a secret. */
  function problemsOf(
    fn: () => unknown,
    secrets: string[] = [SECRET, rsa.privateKeyPem.split('\n')[1]],
  ): string[] {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error instanceof CredentialsConfigError || error instanceof ConfigError).toBe(true);
    const { problems, message } = error as CredentialsConfigError;
    for (const secret of secrets) expect(message).not.toContain(secret);
    return problems;
  }

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('missing client secret: names SNAP_NETZME_CLIENT_SECRET as required', () => {
    expect(
      problemsOf(() => loadCredentials(netzme({ SNAP_NETZME_CLIENT_SECRET: undefined }))),
    ).toEqual(['SNAP_NETZME_CLIENT_SECRET: required']);
  });

  it('missing key file: names SNAP_NICEPAY_PRIVATE_KEY_FILE, the path and ENOENT', () => {
    const path = join(dir, 'nope.pem');
    const env = {
      SNAP_NICEPAY_BASE_URL: 'http://127.0.0.1:8090',
      SNAP_NICEPAY_CLIENT_ID: 'IONPAYTEST',
      SNAP_NICEPAY_CLIENT_SECRET: SECRET,
      SNAP_NICEPAY_PRIVATE_KEY_FILE: path,
    };
    expect(problemsOf(() => loadCredentials(env))).toEqual([
      `SNAP_NICEPAY_PRIVATE_KEY_FILE: cannot read ${JSON.stringify(path)} (ENOENT)`,
    ]);
  });

  it('unreadable key file (a directory): names the variable, the path and EISDIR', () => {
    expect(
      problemsOf(() =>
        loadCredentials(
          netzme({ SNAP_NETZME_PRIVATE_KEY: undefined, SNAP_NETZME_PRIVATE_KEY_FILE: dir }),
        ),
      ),
    ).toEqual([`SNAP_NETZME_PRIVATE_KEY_FILE: cannot read ${JSON.stringify(dir)} (EISDIR)`]);
  });

  it('key of the wrong type (an EC key): names the variable and the key type, never the key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const file = join(dir, 'ec.pem');
    writeFileSync(file, ec);
    const problems = problemsOf(
      () =>
        loadCredentials(
          netzme({ SNAP_NETZME_PRIVATE_KEY: undefined, SNAP_NETZME_PRIVATE_KEY_FILE: file }),
        ),
      [SECRET, ec.split('\n')[1]],
    );
    expect(problems).toEqual(['SNAP_NETZME_PRIVATE_KEY_FILE: key type is ec, RSA expected']);
  });

  it('a public key where the private key belongs: names the variable, never the PEM', () => {
    const problems = problemsOf(
      () => loadCredentials(netzme({ SNAP_NETZME_PRIVATE_KEY: rsa.publicKeyPem })),
      [SECRET, rsa.publicKeyPem.split('\n')[1]],
    );
    expect(problems).toEqual([
      'SNAP_NETZME_PRIVATE_KEY: not a readable PEM private key (PKCS#1 or PKCS#8 expected)',
    ]);
  });

  it('malformed provider base URL: names SNAP_NETZME_BASE_URL and the value', () => {
    expect(
      problemsOf(() => loadCredentials(netzme({ SNAP_NETZME_BASE_URL: 'htp//127.0.0.1:8090' }))),
    ).toEqual(['SNAP_NETZME_BASE_URL: "htp//127.0.0.1:8090" is not an http(s) URL']);
  });

  it('malformed DATABASE_URL holding a password: names the variable and the value with the password masked', () => {
    const problems = problemsOf(
      () => loadConfig({ DATABASE_URL: 'postgres://recon:pg-Pa55word@db.internal:notaport/recon' }),
      ['pg-Pa55word'],
    );
    expect(problems).toEqual([
      'DATABASE_URL="postgres://recon:***@db.internal:notaport/recon": must be a postgres: or postgresql: URL',
    ]);
  });

  it('REDIS_URL of the wrong scheme: names the variable, the value and the schemes allowed', () => {
    expect(problemsOf(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' }))).toEqual([
      'REDIS_URL="http://127.0.0.1:6379": must be a redis: or rediss: URL',
    ]);
  });

  it('a number that is not one (WORKER_CONCURRENCY=abc) and a negative stalled interval: both named at once', () => {
    const problems = problemsOf(() =>
      loadConfig({ WORKER_CONCURRENCY: 'abc', WORKER_STALLED_INTERVAL_MS: '-5' }),
    );
    expect(problems).toEqual([
      'WORKER_CONCURRENCY="abc": Expected number, received nan',
      'WORKER_STALLED_INTERVAL_MS="-5": Number must be greater than or equal to 1000',
    ]);
  });

  it('a secret setting that is bad (API_KEYS too short): named, its value never shown', () => {
    const problems = problemsOf(() => loadConfig({ API_KEYS: 'short-key' }), ['short-key']);
    expect(problems).toEqual([
      'API_KEYS=(secret, not shown): each key needs at least 16 characters',
    ]);
  });

  it('credentials file that is not JSON: names SNAP_CREDENTIALS_FILE and the path', () => {
    const file = join(dir, 'credentials.json');
    writeFileSync(file, `{"finnet": {"FM1": {"clientSecret": "${SECRET}"`);
    expect(problemsOf(() => loadCredentials({ SNAP_CREDENTIALS_FILE: file }))).toEqual([
      `SNAP_CREDENTIALS_FILE ${JSON.stringify(file)}: not valid JSON`,
    ]);
  });
});
