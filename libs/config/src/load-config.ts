import { credentialEnvKeys, PROVIDERS, rememberSecretValue } from '@app/snap';
import {
  configSchema,
  AppConfig,
  DEV_BASIC_AUTH_PASSWORD,
  isProduction,
  redisTlsOn,
  SECRET_KEYS,
} from './config.schema';
import { webhookSettingProblems } from './webhook-settings';

/** Thrown when the environment is invalid; lists every bad setting with its value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Secret settings (and URL passwords) are redacted by value from every log line. */
function rememberConfigSecrets(env: NodeJS.ProcessEnv, config: AppConfig): void {
  for (const key of SECRET_KEYS) rememberSecretValue(env[key]);
  for (const key of config.API_KEYS) rememberSecretValue(key.secret);
  for (const user of config.BASIC_AUTH_USERS) rememberSecretValue(user.secret);
  for (const url of [config.DATABASE_URL, config.REDIS_URL]) {
    try {
      const parsed = new URL(url);
      rememberSecretValue(decodeURIComponent(parsed.password));
      // pg and ioredis also take a password as a query parameter (`?password=`).
      for (const [name, value] of parsed.searchParams)
        if (PASSWORD_PARAMETER.test(name)) rememberSecretValue(value);
    } catch {
      // validated already
    }
  }
}

/** Query parameters that carry a password (`password`, pg's `sslpassword`). */
const PASSWORD_PARAMETER = /^(ssl)?password$/i;

/**
 * A value for an error message with the password of any `scheme://user:password@` part and of
 * any `password=` / `sslpassword=` query parameter masked (even when the URL does not parse: this
 * works on the text).
 */
export function withoutPassword(value: string | undefined): string | undefined {
  return value?.replace(USER_INFO, '$1***@').replace(PASSWORD_QUERY, '$1***');
}

const PASSWORD_QUERY = /([?&](?:ssl)?password=)[^&#]*/gi;

// The user name may hold an `@` (Azure Postgres: `user@server`): the password ends at the last `@`.
const USER_INFO = /^([a-z][a-z0-9+.-]*:\/\/[^/:]*:).*@/i;

/**
 * A DATABASE_URL or REDIS_URL for an error message: its password never shown. A value that is
 * not a URL with a host (a missing `:` or `/`, `redis:/user:pw@host`, `user:pw`) cannot be
 * told apart from a password reliably: everything after its scheme is masked up to its last
 * `@`, or entirely when it has none (a text with neither `:` nor `@` holds no password form).
 */
export function connectionUrlShown(value: string | undefined): string | undefined {
  if (value === undefined || USER_INFO.test(value) || hasHost(value)) return withoutPassword(value);
  // No `user:password` can hide in a text without a colon or an at sign.
  if (!/[:@]/.test(value)) return value;
  const scheme = /^[a-z][a-z0-9+.-]*:\/{0,2}/i.exec(value)?.[0] ?? '';
  const at = value.lastIndexOf('@');
  return `${scheme}***${at >= scheme.length ? value.slice(at) : ''}`;
}

const hasHost = (value: string) => {
  try {
    return new URL(value).host !== '';
  } catch {
    return false;
  }
};

/**
 * Secrets this repository publishes as examples (`.env.example`, some commented out, and
 * `docker-compose.yml`'s local default): valid for production, so a copied example starts, but
 * anyone can read them.
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  'change-me-to-16-or-more-characters',
  'local-compose-password',
  'key-of-at-least-16-chars',
  'another-key-of-16-chars',
  'at-least-32-characters-of-random-text',
];

/** A warning for each configured password, API key or webhook secret in {@link PUBLISHED_SECRETS}. */
export function publishedSecretWarnings(config: AppConfig): string[] {
  return [
    { key: 'BASIC_AUTH_PASSWORD', secret: config.BASIC_AUTH_PASSWORD },
    ...config.BASIC_AUTH_USERS.map((u) => ({
      key: `BASIC_AUTH_USERS (${u.name})`,
      secret: u.secret,
    })),
    ...config.API_KEYS.map((k) => ({ key: `API_KEYS (${k.name})`, secret: k.secret })),
    { key: 'WEBHOOK_SECRET', secret: config.WEBHOOK_SECRET },
  ]
    .filter(({ secret }) => secret !== undefined && PUBLISHED_SECRETS.includes(secret))
    .map(
      ({ key }) =>
        `${key} is an example published in this repository (.env.example or docker-compose.yml): anyone can read it; set your own`,
    );
}

/** The shortest password production accepts (API keys need as many everywhere). */
export const MIN_PRODUCTION_PASSWORD = 16;

/**
 * Production refuses the published development password and any password under
 * {@link MIN_PRODUCTION_PASSWORD} characters (API keys are held to that length everywhere).
 */
function productionProblems(config: AppConfig): string[] {
  if (!isProduction(config)) return [];
  const passwords = [
    { key: 'BASIC_AUTH_PASSWORD', secret: config.BASIC_AUTH_PASSWORD },
    ...config.BASIC_AUTH_USERS.map((u) => ({
      key: `BASIC_AUTH_USERS (${u.name})`,
      secret: u.secret,
    })),
  ];
  return passwords.flatMap(({ key, secret }) => {
    if (secret === undefined) return [];
    if (secret === DEV_BASIC_AUTH_PASSWORD)
      return [`${key}=(secret, not shown): the development password is refused in production`];
    if (secret.length < MIN_PRODUCTION_PASSWORD)
      return [
        `${key}=(secret, not shown): needs at least ${MIN_PRODUCTION_PASSWORD} characters in production`,
      ];
    return [];
  });
}

/**
 * A headers timeout set above the whole-request timeout could never apply (the server would
 * use the request timeout for both): refused by name when set so. Left unset, the default
 * (10 s) is cut to a shorter request timeout without a word.
 */
function timeoutProblems(env: NodeJS.ProcessEnv, config: AppConfig): string[] {
  if (env.HTTP_HEADERS_TIMEOUT_MS === undefined) return [];
  if (config.HTTP_HEADERS_TIMEOUT_MS <= config.HTTP_REQUEST_TIMEOUT_MS) return [];
  return [
    `HTTP_HEADERS_TIMEOUT_MS=${JSON.stringify(env.HTTP_HEADERS_TIMEOUT_MS)}: must not exceed ` +
      `HTTP_REQUEST_TIMEOUT_MS (${config.HTTP_REQUEST_TIMEOUT_MS}), the time for the whole request`,
  ];
}

/**
 * A CA file for Redis's certificate with TLS off: the operator meant TLS, and the connection
 * would go out in clear, the file unread. Refused by name (TLS comes from `REDIS_TLS`, or else
 * from `REDIS_URL`'s scheme).
 */
function redisTlsProblems(env: NodeJS.ProcessEnv, config: AppConfig): string[] {
  if (config.REDIS_TLS_CA_FILE === undefined) return [];
  if (redisTlsOn(config)) return [];
  const why =
    config.REDIS_TLS === false
      ? `REDIS_TLS=${JSON.stringify(env.REDIS_TLS)}`
      : 'REDIS_URL is redis:// and REDIS_TLS is unset';
  return [
    `REDIS_TLS_CA_FILE=${JSON.stringify(config.REDIS_TLS_CA_FILE)}: TLS to Redis is off (${why}), so the CA would not be used; turn TLS on (REDIS_TLS=true or a rediss:// URL) or unset REDIS_TLS_CA_FILE`,
  ];
}

/**
 * An API key named as a basic-auth user would be one actor in the audit trail, two
 * credentials in fact (a tester's key `admin` beside the user `admin`): refused by name.
 */
function actorNameProblems(config: AppConfig): string[] {
  const users = new Set([config.BASIC_AUTH_USER, ...config.BASIC_AUTH_USERS.map((u) => u.name)]);
  return config.API_KEYS.filter((k) => users.has(k.name)).map(
    (k) =>
      `API_KEYS (${k.name}): a basic-auth user has the same name, so the audit trail could not tell them apart; name the key otherwise`,
  );
}

/** Every `SNAP_*` and `RATE_LIMIT_*` setting there is: the schema's and the credentials'. */
const FAMILY_KEYS: readonly string[] = [
  ...Object.keys(configSchema.shape),
  ...credentialEnvKeys(),
].filter((key) => key.startsWith('SNAP_') || key.startsWith('RATE_LIMIT_'));

const PROVIDER_PREFIXES = PROVIDERS.map((p) => `SNAP_${p.toUpperCase()}_`);

/** The fields of a provider's settings (`BASE_URL`, `CLIENT_SECRET`, `PROFILE` ...). */
const PROVIDER_FIELDS = new Set(
  FAMILY_KEYS.flatMap((key) =>
    PROVIDER_PREFIXES.filter((prefix) => key.startsWith(prefix)).map((prefix) =>
      key.slice(prefix.length),
    ),
  ),
);

/**
 * Whether a variable looks like one of ours, misspelt or not: a rate limit of any provider
 * (`RATE_LIMIT_<NAME>_PER_SECOND`), a `SNAP_*` naming one of our providers or a provider
 * setting's field under another name (`SNAP_PAYPAL_BASE_URL`), or one a few letters from a
 * setting. Not another program's `RATE_LIMIT_REQUESTS` in a shared environment, a setting
 * this version retired, nor snapd's `SNAP_NAME`, `SNAP_USER_DATA` ... (Node.js as a snap).
 */
function looksLikeOurs(key: string): boolean {
  if (/^RATE_LIMIT_[A-Z0-9]+_PER_SECOND$/.test(key)) return true;
  if (!key.startsWith('SNAP_') && !key.startsWith('RATE_LIMIT_')) return false;
  if (PROVIDER_PREFIXES.some((prefix) => key.startsWith(prefix))) return true;
  const field = /^SNAP_[A-Z0-9]+_(.+)$/.exec(key)?.[1];
  if (field !== undefined && PROVIDER_FIELDS.has(field)) return true;
  return nearestSetting(key).distance <= NEAR;
}

/** How many edits away a variable may be from a setting to be taken for a typo of it. */
const NEAR = 3;

/** How many single-character edits turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(previous[j] + 1, row[j - 1] + 1, substitute));
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * A `SNAP_*` or `RATE_LIMIT_*` variable that is no setting (`RATE_LIMIT_NETZEM_PER_SECOND`,
 * `SNAP_NICEPAY_CLIENT_SECRT`, a provider snap-recon has not) would be ignored and its
 * default used, 200 requests a second against a provider that allows 5: refused by name,
 * with the nearest setting. Its value is not shown (it may be a secret).
 */
function unknownSettingProblems(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((key) => looksLikeOurs(key) && !FAMILY_KEYS.includes(key))
    .sort()
    .map((key) => {
      const { setting, distance } = nearestSetting(key);
      const hint = distance <= NEAR ? `; did you mean ${setting}?` : '';
      return `${key}: not a setting (the README lists every SNAP_* and RATE_LIMIT_* one)${hint}`;
    });
}

/** The setting of the families closest to `key`, and how many edits away. */
function nearestSetting(key: string): { setting: string; distance: number } {
  let best = { setting: FAMILY_KEYS[0], distance: Infinity };
  for (const setting of FAMILY_KEYS) {
    const distance = editDistance(key, setting);
    if (distance < best.distance) best = { setting, distance };
  }
  return best;
}

/** Settings that may hold a password inside a URL. */
const CONNECTION_URL_KEYS = ['DATABASE_URL', 'REDIS_URL'];

/** Validates the environment into one typed config, or throws naming every bad key at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const unknown = unknownSettingProblems(env);
  const result = configSchema.safeParse(env);
  if (result.success) {
    rememberConfigSecrets(env, result.data);
    const crossChecks = [
      ...unknown,
      ...productionProblems(result.data),
      ...timeoutProblems(env, result.data),
      ...actorNameProblems(result.data),
      ...redisTlsProblems(env, result.data),
    ];
    if (crossChecks.length) throw new ConfigError(crossChecks);
    const webhookProblems = webhookSettingProblems(result.data);
    if (webhookProblems.length > 0) throw new ConfigError(webhookProblems);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0]);
    const shown = (SECRET_KEYS as readonly string[]).includes(key)
      ? '(secret, not shown)'
      : JSON.stringify(
          CONNECTION_URL_KEYS.includes(key)
            ? connectionUrlShown(env[key])
            : withoutPassword(env[key]),
        );
    return `${key}=${shown}: ${issue.message}`;
  });
  throw new ConfigError([...problems, ...unknown]);
}
