import { ConfigError, loadConfig } from './load-config';
import { queuePrefix } from '@app/infra';

describe('loadConfig', () => {
  it('gives every setting its documented default', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DATABASE_SCHEMA: 'public',
      QUEUE_PREFIX: 'snap-recon',
      JOB_ATTEMPTS: 5,
      RECON_TOLERANCE: 0n,
      RECON_IN_FLIGHT_WINDOW_SECONDS: 300,
      SCHEDULE_CRON: '',
      API_KEYS: [],
    });
  });

  it('reads a switch as true / 1 or false / 0, an empty one as its default, and names anything else', () => {
    for (const key of [
      'CHECK_ACCOUNT_STATUS',
      'ATTRIBUTION_ENABLED',
      'DATABASE_PREPARED_STATEMENTS',
    ]) {
      expect(loadConfig({})[key as 'CHECK_ACCOUNT_STATUS']).toBe(true);
      // An empty value (compose's `${VAR:-}`) is the default, not false.
      expect(loadConfig({ [key]: '' })[key as 'CHECK_ACCOUNT_STATUS']).toBe(true);
      expect(loadConfig({ [key]: 'false' })[key as 'CHECK_ACCOUNT_STATUS']).toBe(false);
      expect(loadConfig({ [key]: '0' })[key as 'CHECK_ACCOUNT_STATUS']).toBe(false);
      expect(loadConfig({ [key]: '1' })[key as 'CHECK_ACCOUNT_STATUS']).toBe(true);
      expect(() => loadConfig({ [key]: 'yes' })).toThrow(
        `${key}="yes": must be true, false, 1 or 0 (empty: the default)`,
      );
    }
  });

  it('refuses REDIS_TLS_CA_FILE with TLS off, naming the file and why TLS is off', () => {
    expect(() => loadConfig({ REDIS_TLS_CA_FILE: '/etc/ca.pem' })).toThrow(
      'REDIS_TLS_CA_FILE="/etc/ca.pem": TLS to Redis is off (REDIS_URL is redis:// and REDIS_TLS is unset)',
    );
    expect(() =>
      loadConfig({
        REDIS_URL: 'rediss://127.0.0.1:6380',
        REDIS_TLS: '0',
        REDIS_TLS_CA_FILE: '/etc/ca.pem',
      }),
    ).toThrow('REDIS_TLS_CA_FILE="/etc/ca.pem": TLS to Redis is off (REDIS_TLS="0")');
    // With TLS on, by the scheme (in any letter case, as the URL parser reads it) or by the
    // switch, the file is taken.
    expect(
      loadConfig({ REDIS_URL: 'REDISS://127.0.0.1:6380', REDIS_TLS_CA_FILE: '/etc/ca.pem' })
        .REDIS_TLS_CA_FILE,
    ).toBe('/etc/ca.pem');
    expect(
      loadConfig({ REDIS_URL: 'rediss://127.0.0.1:6380', REDIS_TLS_CA_FILE: '/etc/ca.pem' })
        .REDIS_TLS_CA_FILE,
    ).toBe('/etc/ca.pem');
    expect(
      loadConfig({ REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/etc/ca.pem' }).REDIS_TLS_CA_FILE,
    ).toBe('/etc/ca.pem');
  });

  it('reads an empty REDIS_TLS as unset (TLS from the URL scheme), like every other switch', () => {
    expect(loadConfig({ REDIS_TLS: '' }).REDIS_TLS).toBeUndefined();
    expect(loadConfig({}).REDIS_TLS).toBeUndefined();
    expect(loadConfig({ REDIS_TLS: '1' }).REDIS_TLS).toBe(true);
    expect(loadConfig({ REDIS_TLS: 'false' }).REDIS_TLS).toBe(false);
    expect(() => loadConfig({ REDIS_TLS: 'yes' })).toThrow(
      'REDIS_TLS="yes": must be true, false, 1 or 0 (empty: the default)',
    );
  });

  it('parses the tolerance as exact minor units', () => {
    expect(loadConfig({ RECON_TOLERANCE: '1000.05' }).RECON_TOLERANCE).toBe(100005n);
  });

  it('lists every bad setting at once, naming the key and the value', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        RECON_TOLERANCE: '1.5',
        JOB_BACKOFF_JITTER: '2',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(4);
    expect(error!.message).toContain('PORT="eighty"');
    expect(error!.message).toContain(
      'DATABASE_URL="mysql://x": must be a postgres: or postgresql: URL',
    );
    expect(error!.message).toContain('RECON_TOLERANCE="1.5"');
    expect(error!.message).toContain('JOB_BACKOFF_JITTER="2"');
  });

  it('refuses an API key named as a basic-auth user: one actor in the audit trail, two credentials (a tester found it)', () => {
    const KEY = 'k'.repeat(20);
    expect(() => loadConfig({ API_KEYS: `admin:operator:${KEY}` })).toThrow(
      'API_KEYS (admin): a basic-auth user has the same name, so the audit trail could not tell them apart; name the key otherwise',
    );
    expect(() =>
      loadConfig({ API_KEYS: `ana:viewer:${KEY}`, BASIC_AUTH_USERS: 'ana:viewer:pw-of-ana' }),
    ).toThrow('API_KEYS (ana): a basic-auth user has the same name');
    expect(loadConfig({ API_KEYS: `ci:viewer:${KEY}` }).API_KEYS).toHaveLength(1);
  });

  it("refuses a SNAP_* or RATE_LIMIT_* variable that is no setting, naming the nearest, never its value (a tester's misspelt limit left 200/s)", () => {
    const env = {
      RATE_LIMIT_NETZEM_PER_SECOND: '5',
      SNAP_NICEPAY_CLIENT_SECRT: 'a-secret-value',
      RATE_LIMIT_PAYPAL_PER_SECOND: '5',
      SNAP_PAYPAL_BASE_URL: 'http://x',
    };
    let error: ConfigError | undefined;
    try {
      loadConfig(env);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'RATE_LIMIT_NETZEM_PER_SECOND: not a setting (the README lists every SNAP_* and RATE_LIMIT_* one); did you mean RATE_LIMIT_NETZME_PER_SECOND?',
      'RATE_LIMIT_PAYPAL_PER_SECOND: not a setting (the README lists every SNAP_* and RATE_LIMIT_* one)',
      'SNAP_NICEPAY_CLIENT_SECRT: not a setting (the README lists every SNAP_* and RATE_LIMIT_* one); did you mean SNAP_NICEPAY_CLIENT_SECRET?',
      'SNAP_PAYPAL_BASE_URL: not a setting (the README lists every SNAP_* and RATE_LIMIT_* one)',
    ]);
    expect(error!.message).not.toContain('a-secret-value');
    // Listed beside the schema's own problems, all at once.
    expect(() => loadConfig({ ...env, PORT: 'x' })).toThrow(
      /PORT="x": .*\n.*RATE_LIMIT_NETZEM_PER_SECOND/s,
    );
    // Every setting the families have is taken: a default credential set and every override.
    expect(() =>
      loadConfig({
        RATE_LIMIT_NETZME_PER_SECOND: '5',
        RATE_LIMIT_PAUSE_MS: '1000',
        SNAP_NICEPAY_CLIENT_SECRET: 'x',
        SNAP_FINNET_PARTNER_ID: 'x',
        SNAP_FINNET_SIGNATURE_ENCODING: 'base64',
        SNAP_CREDENTIALS_FILE: '/nowhere.json',
        SNAP_READ_TIMEOUT_MS: '1000',
      }),
    ).not.toThrow();
    // Another program's RATE_LIMIT_* in a shared environment, and a setting this version
    // retired (RATE_LIMIT_WINDOW_MARGIN_MS), are none of ours: an upgrade does not stop on them.
    expect(() =>
      loadConfig({ RATE_LIMIT_REQUESTS: '100', RATE_LIMIT_WINDOW_MARGIN_MS: '200' }),
    ).not.toThrow();
    expect(() => loadConfig({ RATE_LIMIT_PAUSE_SM: '1000' })).toThrow(
      'RATE_LIMIT_PAUSE_SM: not a setting (the README lists every SNAP_* and RATE_LIMIT_* one); did you mean RATE_LIMIT_PAUSE_MS?',
    );
    // snapd's own variables (Node.js installed as a snap) are none of ours.
    const snapd = ['SNAP', 'SNAP_NAME', 'SNAP_USER_DATA', 'SNAP_REVISION', 'SNAP_INSTANCE_NAME'];
    expect(() => loadConfig(Object.fromEntries(snapd.map((k) => [k, 'x'])))).not.toThrow();
    expect(() => loadConfig({ SNAP_READ_TIMOUT_MS: '1000' })).toThrow(
      'SNAP_READ_TIMOUT_MS: not a setting (the README lists every SNAP_* and RATE_LIMIT_* one); did you mean SNAP_READ_TIMEOUT_MS?',
    );
  });

  it('never shows the value of a bad secret setting', () => {
    expect(() => loadConfig({ API_KEYS: 'too-short-key' })).toThrow('API_KEYS=(secret, not shown)');
    expect(() => loadConfig({ API_KEYS: 'too-short-key' })).not.toThrow(/too-short-key/);
  });

  it('requires a webhook secret with a webhook URL', () => {
    expect(() => loadConfig({ WEBHOOK_URL: 'https://hooks.example/recon' })).toThrow(
      /WEBHOOK_SECRET: required/,
    );
  });
});

describe('queuePrefix', () => {
  const base = {
    REDIS_URL: 'redis://x',
    REDIS_SENTINELS: [],
    REDIS_SENTINEL_NAME: 'm',
    QUEUE_PREFIX: 'snap-recon',
  };
  it('wraps the prefix in a hash tag on Redis Cluster, as BullMQ requires', () => {
    expect(queuePrefix({ ...base, REDIS_CLUSTER_NODES: ['10.0.0.1:6379'] })).toBe('{snap-recon}');
    expect(
      queuePrefix({ ...base, REDIS_CLUSTER_NODES: ['10.0.0.1:6379'], QUEUE_PREFIX: '{mine}' }),
    ).toBe('{mine}');
    expect(queuePrefix({ ...base, REDIS_CLUSTER_NODES: [] })).toBe('snap-recon');
  });
});
