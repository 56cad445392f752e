import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, withoutPassword } from '@app/config';
import { CredentialsConfigError, loadCredentials, redactSecretValues } from '@app/snap';
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
      'DATABASE_URL="postgres://recon:***@db.internal:notaport/recon": is not a URL (a port must be 1-65535, special characters percent-encoded); must be a postgres: or postgresql: URL',
    ]);
  });

  it('a DATABASE_URL or REDIS_URL mistyped so that it is no URL with a host never shows its password (found by a new-user tester)', () => {
    const cases: [Record<string, string>, string][] = [
      [
        { DATABASE_URL: 'postgres//postgres:SuperSecretPw123@127.0.0.1:5432/db' },
        'DATABASE_URL="***@127.0.0.1:5432/db": is not a URL',
      ],
      [
        { REDIS_URL: 'redis//:RedisSecretPw99@127.0.0.1:6379/7' },
        'REDIS_URL="***@127.0.0.1:6379/7": is not a URL',
      ],
      [
        { REDIS_URL: 'redis:/default:RedisSecretPw99@127.0.0.1:6379/7' },
        'REDIS_URL="redis:/***@127.0.0.1:6379/7": has no host: the form is redis://[user:password@]host[:port][/…]',
      ],
      [{ DATABASE_URL: 'notaurl:SuperSecretPw123' }, 'DATABASE_URL="notaurl:***": '],
      // A user name holding an @ (Azure Postgres: user@server); found by a reviewer.
      [
        { DATABASE_URL: 'postgress://admin@srv:SuperSecretPw123@srv.example:5432/db' },
        'DATABASE_URL="postgress://admin@srv:***@srv.example:5432/db": must be a postgres:',
      ],
      [
        { REDIS_URL: 'redis://ops@corp:RedisSecretPw99@127.0.0.1:6379/cache' },
        'REDIS_URL="redis://ops@corp:***@127.0.0.1:6379/cache": the path after the host',
      ],
    ];
    for (const [env, shown] of cases) {
      const problems = problemsOf(() => loadConfig(env), ['SuperSecretPw123', 'RedisSecretPw99']);
      expect(problems).toEqual([expect.stringContaining(shown)]);
    }
  });

  it('the start-up line of a Postgres that does not answer masks the password of a user name holding an @ (found by a reviewer)', () => {
    expect(withoutPassword('postgres://admin@srv:SuperSecretPw123@srv.example:5432/db')).toBe(
      'postgres://admin@srv:***@srv.example:5432/db',
    );
  });

  it('a password given as a query parameter (pg and ioredis read `?password=`) is masked in the start-up line and redacted from logs (found by a reviewer)', () => {
    expect(
      withoutPassword('postgres://app@db:5432/recon?sslmode=require&password=QuerySecretPw1&x=1'),
    ).toBe('postgres://app@db:5432/recon?sslmode=require&password=***&x=1');
    expect(withoutPassword('redis://10.0.0.5:6379/0?PASSWORD=QuerySecretPw2')).toBe(
      'redis://10.0.0.5:6379/0?PASSWORD=***',
    );
    expect(withoutPassword('postgres://db/recon?sslpassword=QuerySecretPw3')).toBe(
      'postgres://db/recon?sslpassword=***',
    );
    loadConfig({
      DATABASE_URL: 'postgres://app@db:5432/recon?password=QuerySecretPw4',
      REDIS_URL: 'redis://10.0.0.5:6379/0?password=QuerySecretPw5',
    });
    expect(redactSecretValues('pw QuerySecretPw4 and QuerySecretPw5')).toBe(
      'pw [REDACTED] and [REDACTED]',
    );
  });

  it('REDIS_URL of the wrong scheme: names the variable, the value and the schemes allowed', () => {
    expect(problemsOf(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' }))).toEqual([
      'REDIS_URL="http://127.0.0.1:6379": must be a redis: or rediss: URL',
    ]);
  });

  it('REDIS_URL whose database is not a number: names the variable, the value and the form (it crashed on "select NaN")', () => {
    expect(problemsOf(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/abc' }))).toEqual([
      'REDIS_URL="redis://127.0.0.1:6379/abc": the path after the host must be a database number (e.g. redis://127.0.0.1:6379/0), not "abc"',
    ]);
    for (const ok of ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379/', 'rediss://r:6380/7'])
      expect(loadConfig({ REDIS_URL: ok }).REDIS_URL).toBe(ok);
  });

  it('a number that is not one (WORKER_CONCURRENCY=abc) and a negative stalled interval: both named at once', () => {
    const problems = problemsOf(() =>
      loadConfig({ WORKER_CONCURRENCY: 'abc', WORKER_STALLED_INTERVAL_MS: '-5' }),
    );
    expect(problems).toEqual([
      'WORKER_CONCURRENCY="abc": must be a whole number in decimal digits (e.g. 3000)',
      'WORKER_STALLED_INTERVAL_MS="-5": Number must be greater than or equal to 1000',
    ]);
  });

  it('a schedule that cannot be read (cron, time zone): refused at start, naming the setting and the value', () => {
    // Before, the producer stopped later with "Validation error, cannot resolve alias "eve"".
    const problems = problemsOf(() =>
      loadConfig({
        SCHEDULE_CRON: 'every hour',
        SCHEDULE_TIMEZONE: 'Mars/Olympus',
        RETENTION_CRON: 'bogus',
      }),
    );
    expect(problems).toEqual([
      'SCHEDULE_CRON="every hour": must be a cron expression of 5 fields, minute hour day month weekday (e.g. 0 * * * *: every hour), 6 with seconds first, or a name such as @hourly',
      'SCHEDULE_TIMEZONE="Mars/Olympus": must be an IANA time zone (e.g. Asia/Jakarta)',
      'RETENTION_CRON="bogus": must be a cron expression of 5 fields, minute hour day month weekday (e.g. 0 * * * *: every hour), 6 with seconds first, or a name such as @hourly',
    ]);
    expect(loadConfig({ SCHEDULE_CRON: '0 * * * *', SCHEDULE_TIMEZONE: 'UTC' })).toMatchObject({
      SCHEDULE_CRON: '0 * * * *',
      SCHEDULE_TIMEZONE: 'UTC',
    }); // Fields cron-parser would fill in (a tester's typos, run every minute): refused.
    for (const typo of ['0', '0 * * *', '0 * * * * * *']) {
      expect(problemsOf(() => loadConfig({ SCHEDULE_CRON: typo }))).toEqual([
        `SCHEDULE_CRON=${JSON.stringify(typo)}: ${'must be a cron expression of 5 fields, minute hour day month weekday (e.g. 0 * * * *: every hour), 6 with seconds first, or a name such as @hourly'}`,
      ]);
    }
    for (const ok of ['@hourly', '30 0 * * * *', '*/15 * * * *']) {
      expect(loadConfig({ SCHEDULE_CRON: ok }).SCHEDULE_CRON).toBe(ok);
    }
  });

  it('a number written other than in plain decimal digits (0x10, 1e3, 8.0, " 8", empty): refused, naming the setting and the value', () => {
    const problems = problemsOf(() =>
      loadConfig({
        PORT: '0x10',
        WORKER_CONCURRENCY: '1e3',
        JOB_ATTEMPTS: '8.0',
        DATABASE_POOL_SIZE: ' 8',
        RETENTION_DAYS: '',
        JOB_BACKOFF_JITTER: '5e-1',
      }),
    );
    const digits = 'must be a whole number in decimal digits (e.g. 3000)';
    expect(problems).toEqual([
      `PORT="0x10": ${digits}`,
      `DATABASE_POOL_SIZE=" 8": ${digits}`,
      `WORKER_CONCURRENCY="1e3": ${digits}`,
      `JOB_ATTEMPTS="8.0": ${digits}`,
      'JOB_BACKOFF_JITTER="5e-1": must be a decimal number (e.g. 0.5)',
      `RETENTION_DAYS="": ${digits}`,
    ]);
    expect(problemsOf(() => loadConfig({ PORT: '65536' }))).toEqual([
      'PORT="65536": Number must be less than or equal to 65535',
    ]);
  });

  it('a listen address that is neither an IP address nor a host name: refused, naming the setting and the value', () => {
    // Before, the process stopped later, at listen, with "getaddrinfo ENOTFOUND" and no setting.
    expect(
      problemsOf(() => loadConfig({ HOST: 'http://0.0.0.0', WORKER_METRICS_HOST: '127.0.0.1 ' })),
    ).toEqual([
      'HOST="http://0.0.0.0": must be an IP address or a host name (e.g. 0.0.0.0, 127.0.0.1, localhost)',
      'WORKER_METRICS_HOST="127.0.0.1 ": must be an IP address or a host name (e.g. 0.0.0.0, 127.0.0.1, localhost)',
    ]);
    for (const host of ['0.0.0.0', '::', '127.0.0.1', 'localhost', 'recon-worker.internal'])
      expect(loadConfig({ HOST: host, WORKER_METRICS_HOST: host })).toMatchObject({
        HOST: host,
        WORKER_METRICS_HOST: host,
      });
  });

  it('a headers timeout set above the whole-request timeout: refused, naming both (it could never apply)', () => {
    expect(
      problemsOf(() =>
        loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '5000' }),
      ),
    ).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS="20000": must not exceed HTTP_REQUEST_TIMEOUT_MS (5000), the time for the whole request',
    ]);
    // Left unset, the default headers timeout (10 s) gives way to a shorter request timeout.
    expect(loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '5000' })).toMatchObject({
      HTTP_REQUEST_TIMEOUT_MS: 5000,
    });
  });

  it('numbers in plain decimal digits still load, and an unset one keeps its default', () => {
    const config = loadConfig({ PORT: '0', WORKER_CONCURRENCY: '007', JOB_BACKOFF_JITTER: '0.25' });
    expect(config).toMatchObject({
      PORT: 0,
      WORKER_CONCURRENCY: 7,
      JOB_BACKOFF_JITTER: 0.25,
      JOB_ATTEMPTS: 5,
      BREAKER_FAILURE_SHARE: 0,
    });
  });

  it('a secret setting that is bad (API_KEYS too short): named, its value never shown', () => {
    const problems = problemsOf(() => loadConfig({ API_KEYS: 'short-key' }), ['short-key']);
    expect(problems).toEqual([
      'API_KEYS=(secret, not shown): entry 1: the key needs at least 16 characters',
    ]);
  });

  it("API_KEYS: a key name outside the rule and a short key are named by their entry's position (they said neither; found by a review), never quoting the name, which may be the key written in its place", () => {
    const KEY = 'Kq7vR2mXp9LwT4sZ';
    const B64_KEY = 'aGVsbG8rd29ybGQ/Zm9vYmFy+/=';
    expect(
      problemsOf(
        () => loadConfig({ API_KEYS: `ci:viewer:${KEY},ops team:viewer:${KEY}x` }),
        [KEY, 'ops team'],
      ),
    ).toEqual([
      'API_KEYS=(secret, not shown): entry 2: the name must be 1-64 of A-Z a-z 0-9 _ . @ -',
    ]);
    // Name and key swapped: the key stands where the name goes.
    expect(problemsOf(() => loadConfig({ API_KEYS: `${KEY}:admin:ci` }), [KEY])).toEqual([
      'API_KEYS=(secret, not shown): entry 1: the key needs at least 16 characters',
    ]);
    expect(
      problemsOf(
        () => loadConfig({ API_KEYS: `${B64_KEY}:admin:some-long-enough-key-1` }),
        [B64_KEY],
      ),
    ).toEqual([
      'API_KEYS=(secret, not shown): entry 1: the name must be 1-64 of A-Z a-z 0-9 _ . @ -',
    ]);
  });

  describe('API_KEYS and BASIC_AUTH_USERS entries', () => {
    const KEY = 'Kq7vR2mXp9LwT4sZ';
    const OTHER = 'Hn3bY8cVf6JdQ1gE';
    const keys = (value: string) =>
      problemsOf(() => loadConfig({ API_KEYS: value }), [KEY, OTHER, SECRET]);
    const users = (value: string) =>
      problemsOf(() => loadConfig({ BASIC_AUTH_USERS: value }), [KEY, OTHER, SECRET]);
    const notShown = 'API_KEYS=(secret, not shown)';

    it('an unknown role (a capitalised one, a made-up one) is refused, naming the entry and the role, never read as a bare admin key', () => {
      expect(keys(`ops:Viewer:${KEY}`)).toEqual([
        `${notShown}: entry 1 ("ops"): unknown role "Viewer"; roles are viewer, operator, admin (lowercase); did you mean "viewer"?`,
      ]);
      // Not a known role in any case: it may be part of a key, so neither it nor the name shows.
      expect(keys(`ci:viewer:${OTHER},grafana:reader:${KEY}`)).toEqual([
        `${notShown}: entry 2: not a known role (not shown); must be name:role:key, role:key or key, and a key holding ":" needs a name and a role in front (name:admin:key)`,
      ]);
      expect(keys(`Admin:${KEY}`)).toEqual([
        `${notShown}: entry 1 ("api-key-1"): unknown role "Admin"; roles are viewer, operator, admin (lowercase); did you mean "admin"? (as role:key)`,
      ]);
      // The same shape with "admin" as the name and a bad role: never role admin with key "Viewer:…".
      expect(keys(`admin:Viewer:${KEY}`)).toEqual([
        `${notShown}: entry 1 ("admin"): unknown role "Viewer"; roles are viewer, operator, admin (lowercase); did you mean "viewer"?`,
      ]);
    });

    it('an entry whose role part is not a known role may be a key holding colons: refused without showing any part of it', () => {
      const problems = [
        ...keys(`ab12:cd34ef:${KEY}`),
        ...keys(`x9y8z7w6:${KEY}`),
        // A bare key with a colon whose first part is letters: still never shown.
        ...keys(`AbCdEfGhIj:${KEY}`),
      ];
      expect(problems).toEqual([
        `${notShown}: entry 1: not a known role (not shown); must be name:role:key, role:key or key, and a key holding ":" needs a name and a role in front (name:admin:key)`,
        `${notShown}: entry 1: not name:role:key, role:key or key with a known role (not shown); a key holding ":" needs a name and a role in front (name:admin:key)`,
        `${notShown}: entry 1: not name:role:key, role:key or key with a known role (not shown); a key holding ":" needs a name and a role in front (name:admin:key)`,
      ]);
      expect(problems.join()).not.toMatch(/ab12|cd34ef|x9y8z7w6|AbCdEfGhIj/);
    });

    it('an empty part (role, name, key) is refused, naming it', () => {
      expect(keys(`ops::${KEY}`)).toEqual([
        `${notShown}: entry 1: empty role; must be name:role:key, role:key or key, and a key holding ":" needs a name and a role in front (name:admin:key)`,
      ]);
      expect(keys(`:viewer:${KEY}`)).toEqual([`${notShown}: entry 1: empty name`]);
      expect(keys(`ops:viewer:`)).toEqual([`${notShown}: entry 1 ("ops"): empty key`]);
      expect(keys(`viewer:`)).toEqual([`${notShown}: entry 1 ("api-key-1"): empty key`]);
    });

    it('a name or a key used twice is refused, naming both entries (first-wins would pick a role silently)', () => {
      expect(keys(`ops:viewer:${KEY},ops:admin:${OTHER}`)).toEqual([
        `${notShown}: entry 2 ("ops"): the name is already used by entry 1`,
      ]);
      expect(keys(`ops:viewer:${KEY},ci:admin:${KEY}`)).toEqual([
        `${notShown}: entry 2 ("ci"): the same key as entry 1 ("ops")`,
      ]);
      expect(keys(`${KEY},viewer:${KEY}`)).toEqual([
        `${notShown}: entry 2 ("api-key-2"): the same key as entry 1 ("api-key-1")`,
      ]);
    });

    it('every bad entry is listed at once', () => {
      expect(keys(`a:Viewer:${KEY},b:viewer:${OTHER},c:root:${OTHER}`)).toEqual([
        `${notShown}: entry 1 ("a"): unknown role "Viewer"; roles are viewer, operator, admin (lowercase); did you mean "viewer"?`,
        `${notShown}: entry 3: not a known role (not shown); must be name:role:key, role:key or key, and a key holding ":" needs a name and a role in front (name:admin:key)`,
      ]);
    });

    it('the documented forms still load: name:role:key (the key may hold colons), role:key, and a bare key as admin', () => {
      const config = loadConfig({
        API_KEYS: `ops:viewer:${KEY}:with:colons, operator:${OTHER},${SECRET}`,
      });
      expect(config.API_KEYS).toEqual([
        { name: 'ops', role: 'viewer', secret: `${KEY}:with:colons` },
        { name: 'api-key-2', role: 'operator', secret: OTHER },
        { name: 'api-key-3', role: 'admin', secret: SECRET },
      ]);
    });

    it('BASIC_AUTH_USERS: an unknown role or a user named twice is refused by entry; the password may hold colons', () => {
      const shown = 'BASIC_AUTH_USERS=(secret, not shown)';
      expect(users(`otto:Operator:${KEY}`)).toEqual([
        `${shown}: entry 1 ("otto"): unknown role "Operator"; roles are viewer, operator, admin (lowercase); did you mean "operator"?`,
      ]);
      expect(users(`otto:operator:${KEY},otto:admin:${OTHER}`)).toEqual([
        `${shown}: entry 2 ("otto"): the name is already used by entry 1`,
      ]);
      expect(users(`operator:${KEY}`)).toEqual([
        `${shown}: entry 1: must be user:role:password with role viewer, operator or admin`,
      ]);
      expect(loadConfig({ BASIC_AUTH_USERS: `otto:operator:${KEY}:x` }).BASIC_AUTH_USERS).toEqual([
        { name: 'otto', role: 'operator', secret: `${KEY}:x` },
      ]);
    });
  });

  it('credentials file that is not JSON: names SNAP_CREDENTIALS_FILE and the path', () => {
    const file = join(dir, 'credentials.json');
    writeFileSync(file, `{"finnet": {"FM1": {"clientSecret": "${SECRET}"`);
    expect(problemsOf(() => loadCredentials({ SNAP_CREDENTIALS_FILE: file }))).toEqual([
      `SNAP_CREDENTIALS_FILE ${JSON.stringify(file)}: not valid JSON (it ends too soon)`,
    ]);
  });
});
