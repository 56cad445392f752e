import { isIP } from 'node:net';
import { parseExpression } from 'cron-parser';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import {
  DEFAULT_INACTIVE_STATUS_VALUES,
  DEFAULT_MARGIN_MS,
  parseAmount,
  PROVIDER_PROFILES,
} from '@app/snap';
import { apiKeysSetting, basicAuthUsersSetting, ROLES } from './credentials.schema';

/**
 * A whole number written in plain decimal digits (a leading minus allowed, so that a negative
 * value is refused by its range with the bound in the message). `Number()` alone would take
 * `0x10` as 16, `1e3` as 1000, `" 8 "` as 8 and an empty string as 0.
 */
const decimalInteger = z
  .string()
  .regex(/^-?\d+$/, 'must be a whole number in decimal digits (e.g. 3000)')
  .transform(Number);
/** A number with an optional decimal fraction (`0.5`), plain digits only (no `0x`, no exponent). */
const decimalFraction = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number (e.g. 0.5)')
  .transform(Number);
/** An IANA time zone this Node knows (`Asia/Jakarta`), as the schedule's cron reads it. */
const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone (e.g. Asia/Jakarta)' },
);

/**
 * A cron expression as BullMQ's job schedulers read it (cron-parser, the same version), of
 * five fields (minute hour day month weekday) or six (seconds first), or a name such as
 * `@hourly`. cron-parser fills in missing fields: `0` read as every minute, and `0 * * *` as
 * every minute of one hour a day (a tester's typos, accepted and run).
 */
const cron = z.string().refine(
  (expression) => {
    const fields = expression.trim().split(/\s+/);
    const named = fields.length === 1 && fields[0].startsWith('@');
    if (!named && fields.length !== 5 && fields.length !== 6) return false;
    try {
      parseExpression(expression);
      return true;
    } catch {
      return false;
    }
  },
  {
    message:
      'must be a cron expression of 5 fields, minute hour day month weekday (e.g. 0 * * * *: every hour), 6 with seconds first, or a name such as @hourly',
  },
);

/**
 * An address to listen on: an IP address (`0.0.0.0`, `::`) or a host name of letters, digits,
 * `-` and `.` (`localhost`). Anything else would stop the process later, at listen, with an
 * error that names no setting.
 */
const listenHost = (def: string) =>
  z
    .string()
    .default(def)
    .refine(
      (host) =>
        isIP(host) !== 0 ||
        /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
          host,
        ),
      { message: 'must be an IP address or a host name (e.g. 0.0.0.0, 127.0.0.1, localhost)' },
    );

/**
 * Which proxies in front of the producer to believe about the client's address
 * (`X-Forwarded-For`), in Express's `trust proxy` terms: empty, nobody (the client is the
 * connection's peer); a number, that many hops; else a comma list of addresses, CIDR ranges or
 * `loopback`, `linklocal`, `uniquelocal`. Checked with `proxy-addr`, the library Express reads
 * it with.
 */
const trustProxy = z
  .string()
  .default('')
  .transform((v, ctx): number | string[] | false => {
    const text = v.trim();
    if (text === '') return false;
    if (/^\d+$/.test(text)) return Number(text);
    const list = text.split(',').map((s) => s.trim());
    try {
      proxyAddr.compile(list);
      return list;
    } catch (e) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          `${(e as Error).message}: must be a hop count (e.g. 1) or a comma list of addresses, ` +
          'CIDR ranges, loopback, linklocal or uniquelocal (e.g. 10.0.0.0/8,loopback)',
      });
      return z.NEVER;
    }
  });

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .default(String(def))
    .pipe(decimalInteger.pipe(z.number().int().min(min).max(max)));
const fraction = (def: number, min: number, max: number) =>
  z
    .string()
    .default(String(def))
    .pipe(decimalFraction.pipe(z.number().min(min).max(max)));
/**
 * A switch: `true` / `1` or `false` / `0`. Empty is the default, as when the variable is not set
 * (compose's `${VAR:-}` passes an empty string): it was `false`, which turned a switch that is on
 * by default off without a word.
 */
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''], {
      errorMap: () => ({ message: 'must be true, false, 1 or 0 (empty: the default)' }),
    })
    .default(def ? 'true' : 'false')
    .transform((v) => (v === '' ? def : v === 'true' || v === '1'));
/**
 * A URL of one of `protocols`; `check` may name one more problem of a parsed one. A text the
 * URL parser refuses says so (a port out of range or a stray character), not "wrong scheme".
 */
const url = (def: string, protocols: string[], check?: (u: URL) => string | null) =>
  z
    .string()
    .default(def)
    .superRefine((v, ctx) => {
      let parsed: URL;
      try {
        parsed = new URL(v);
      } catch {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `is not a URL (a port must be 1-65535, special characters percent-encoded); must be a ${protocols.join(' or ')} URL`,
        });
        return;
      }
      const problem = !protocols.includes(parsed.protocol)
        ? `must be a ${protocols.join(' or ')} URL`
        : parsed.host === ''
          ? `has no host: the form is ${protocols[0]}//[user:password@]host[:port][/…]`
          : check?.(parsed);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    });

/** The database of a Redis URL is its path: none, or a number (`redis://host:6379/2`). */
const redisDatabase = (u: URL) =>
  /^\/?(\d{1,5})?$/.test(u.pathname)
    ? null
    : `the path after the host must be a database number (e.g. ${u.protocol}//${u.host}/0), not "${decodeURIComponent(u.pathname.slice(1))}"`;
const hostList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((list) => list.every((h) => /^[^\s:]+:\d+$/.test(h)), {
    message: 'must be host:port,host:port',
  });
const amount = z
  .string()
  .default('0.00')
  .transform((v, ctx) => {
    try {
      const minor = parseAmount(v, 'amount');
      if (minor < 0n) throw new Error('negative');
      return minor;
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'must be a non-negative amount like 0.00',
      });
      return z.NEVER;
    }
  });

/** `RATE_LIMIT_<NAME>_PER_SECOND`: one per registered provider. */
export type RateLimitKey = `RATE_LIMIT_${Uppercase<string>}_PER_SECOND`;
/** `SNAP_<NAME>_<FIELD>`: per-provider profile overrides (see `profileOverridesFromEnv`). */
export type ProfileOverrideKey = `SNAP_${Uppercase<string>}_${
  | 'PROFILE'
  | 'TOKEN_PATH'
  | 'BALANCE_PATH'
  | 'BALANCE_SIGNED_PATH'
  | 'ACCOUNT_STATUS_PATH'
  | 'ACCOUNT_STATUS_SIGNED_PATH'
  | 'BALANCE_TYPE'
  | 'SIGNATURE_ENCODING'}`;
const PROFILE_OVERRIDE_FIELDS = [
  'PROFILE',
  'TOKEN_PATH',
  'BALANCE_PATH',
  'BALANCE_SIGNED_PATH',
  'ACCOUNT_STATUS_PATH',
  'ACCOUNT_STATUS_SIGNED_PATH',
  'BALANCE_TYPE',
  'SIGNATURE_ENCODING',
];

/** The config key of a provider's rate limit. */
export function rateLimitKey(provider: string): RateLimitKey {
  return `RATE_LIMIT_${provider.toUpperCase()}_PER_SECOND` as RateLimitKey;
}

/**
 * The per-provider keys, derived from the provider registry: a rate limit (default: the
 * profile's `defaultRateLimitPerSecond`) and the profile overrides. A new provider's profile
 * brings its keys with it.
 */
const providerKeys = Object.fromEntries(
  PROVIDER_PROFILES.flatMap((p) => {
    const P = p.provider.toUpperCase();
    return [
      [rateLimitKey(p.provider), int(p.defaultRateLimitPerSecond, 1)],
      ...PROFILE_OVERRIDE_FIELDS.map((f) => [`SNAP_${P}_${f}`, z.string().optional()]),
    ];
  }),
) as Record<RateLimitKey, ReturnType<typeof int>> &
  Record<ProfileOverrideKey, z.ZodOptional<z.ZodString>>;

/**
 * Every setting of every app, read from the environment. The README's configuration table
 * lists the same names; secrets are marked in {@link SECRET_KEYS} and never printed.
 */
export const configSchema = z.object({
  // Production unless development is asked for by name: a forgotten NODE_ENV is production.
  NODE_ENV: z.enum(['development', 'production']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: int(3000, 0, 65_535),
  HOST: listenHost('0.0.0.0'),
  HTTP_REQUEST_TIMEOUT_MS: int(60_000, 1_000),
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 1_000),
  AUTH_FAILURES_PER_MINUTE: int(10, 1),
  TRUST_PROXY: trustProxy,
  MAX_CONCURRENT_EXPORTS: int(4, 1),
  EXPORT_IDLE_TIMEOUT_MS: int(60_000, 1_000),
  DATABASE_URL: url('postgres://postgres@127.0.0.1:5432/postgres', ['postgres:', 'postgresql:']),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier')
    .default('public'),
  DATABASE_POOL_SIZE: int(10, 1),
  DATABASE_PREPARED_STATEMENTS: bool(true),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:'], redisDatabase),
  REDIS_SENTINELS: hostList,
  REDIS_SENTINEL_NAME: z.string().default('mymaster'),
  REDIS_CLUSTER_NODES: hostList,
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  // A switch whose default depends on REDIS_URL's scheme: unset or empty is "from the scheme".
  REDIS_TLS: z
    .enum(['true', 'false', '1', '0', ''], {
      errorMap: () => ({ message: 'must be true, false, 1 or 0 (empty: the default)' }),
    })
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1')),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_TLS_CA_FILE: z.string().min(1).optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w{}.-]+$/, 'letters, digits, - _ . { } only')
    .default('snap-recon'),
  /** How long SIGTERM's graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: int(30_000, 1_000),
  WORKER_CONCURRENCY: int(50, 1),
  WORKER_STALLED_INTERVAL_MS: int(30_000, 1_000),
  WORKER_SWEEP_INTERVAL_MS: int(60_000, 0),
  EXTERNAL_ID_LEASE_TTL_MS: int(60_000, 1_000),
  JOB_ATTEMPTS: int(5, 1),
  JOB_BACKOFF_MS: int(1000, 0),
  JOB_BACKOFF_JITTER: fraction(0.5, 0, 1),
  RATE_LIMIT_PAUSE_MS: int(1000, 1),
  /** The most of a provider's `Retry-After` honoured (a longer one is cut to this). */
  RATE_LIMIT_MAX_PAUSE_MS: int(300_000, 1),
  RATE_LIMIT_PACING_MARGIN_MS: int(DEFAULT_MARGIN_MS, 0),
  BREAKER_FAILURE_THRESHOLD: int(10, 1),
  BREAKER_PROBE_INTERVAL_MS: int(30_000, 1),
  /** Share of transient failures over the window that also opens a breaker; 0: rule off. */
  BREAKER_FAILURE_SHARE: fraction(0, 0, 1),
  BREAKER_FAILURE_SHARE_WINDOW_MS: int(60_000, 10),
  BREAKER_FAILURE_SHARE_MIN_REQUESTS: int(20, 1),
  RUN_DEADLINE_SECONDS: int(3_000, 1),
  RECON_TOLERANCE: amount,
  RECON_IN_FLIGHT_WINDOW_SECONDS: int(300, 0),
  RECON_RECHECK_DELAY_MS: int(60_000, 0),
  RECON_MAX_RECHECKS: int(5, 1),
  SCHEDULE_CRON: z.union([z.literal(''), cron]).default(''),
  SCHEDULE_TIMEZONE: timeZone.default('Asia/Jakarta'),
  SCHEDULE_CHECK_INTERVAL_MS: int(60_000, 0),
  RETENTION_DAYS: int(90, 0),
  RETENTION_CRON: cron.default('30 3 * * *'),
  RETENTION_BATCH_SIZE: int(5_000, 1),
  JOB_KEEP_COMPLETED_SECONDS: int(86_400, 0),
  JOB_KEEP_COMPLETED_COUNT: int(100_000, 0),
  JOB_KEEP_FAILED_SECONDS: int(7 * 86_400, 0),
  JOB_KEEP_FAILED_COUNT: int(100_000, 0),
  SCHEDULE_OVERLAP: z.enum(['skip', 'queue']).default('skip'),
  SNAP_CONNECT_TIMEOUT_MS: int(5_000, 1),
  SNAP_READ_TIMEOUT_MS: int(15_000, 1),
  SNAP_TOKEN_SAFETY_MARGIN_MS: int(60_000, 0),
  SNAP_PROVIDER_TIME_SKEW_MS: int(600_000, 1_000),
  SNAP_CREDENTIALS_FILE: z.string().optional(),
  CHECK_ACCOUNT_STATUS: bool(true),
  /** Issue 15: explain a mismatch from the provider's transaction history, where it has one. */
  ATTRIBUTION_ENABLED: bool(true),
  ATTRIBUTION_LOOK_BACK_HOURS: int(48, 1),
  ATTRIBUTION_MATCH_TOLERANCE_SECONDS: int(300, 0),
  /** History pages per account at most; 0: the provider profile's `maxPagesPerAccount`. */
  ATTRIBUTION_MAX_PAGES: int(0, 0),
  ACCOUNT_INACTIVE_STATUS_VALUES: z
    .string()
    .default(DEFAULT_INACTIVE_STATUS_VALUES.join(','))
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine((list) => list.length > 0, {
      message: 'must list at least one value (e.g. blocked,inactive)',
    }),
  HEALTH_MAX_QUEUE_LAG_SECONDS: int(900, 1),
  WORKER_METRICS_PORT: int(9464, 0, 65_535),
  WORKER_METRICS_HOST: listenHost('127.0.0.1'),
  API_KEYS: apiKeysSetting,
  BASIC_AUTH_USER: z.string().min(1).default('admin'),
  BASIC_AUTH_PASSWORD: z.string().optional(),
  BASIC_AUTH_ROLE: z.enum(ROLES).default('admin'),
  BASIC_AUTH_USERS: basicAuthUsersSetting,
  CSRF_SECRET: z.string().min(32, 'needs at least 32 characters').optional(),
  WEBHOOK_URL: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v === '' || (/^https?:\/\/[^\s]+$/i.test(v) && URL.canParse(v)),
      {
        message: 'must be an http(s) URL',
      },
    )
    .transform((v) => v || undefined),
  WEBHOOK_SECRET: z.string().optional(),
  /** Events WEBHOOK_URL receives: `*` or a comma list (checked in webhook-settings.ts). */
  WEBHOOK_EVENTS: z.string().default('*'),
  /** More URLs, each with its events: `events=url;events=url` (checked in webhook-settings.ts). */
  WEBHOOK_SUBSCRIPTIONS: z.string().default(''),
  /** One delivery attempt's whole time (connect, send, answer); past it the attempt fails (retried). */
  WEBHOOK_TIMEOUT_MS: int(10_000, 100),
  /** How the pages write amounts: `id-ID` (`Rp 1.343.486,00`) or `plain` (`1343486.00`, as the API). */
  UI_AMOUNT_FORMAT: z.enum(['id-ID', 'plain']).default('id-ID'),
  ...providerKeys,
});

/** The validated settings; per-provider keys typed by their pattern (the registry decides which exist). */
export type AppConfig = z.infer<typeof configSchema> &
  Record<RateLimitKey, number> &
  Partial<Record<ProfileOverrideKey, string>>;

/** The basic-auth password in development when none is configured; production has none and refuses it. */
export const DEV_BASIC_AUTH_PASSWORD = 'snap-recon-dev';

/** Settings whose values are secret: never logged, never returned. */
export const SECRET_KEYS: readonly string[] = [
  ...PROVIDER_PROFILES.flatMap((p) => [
    `SNAP_${p.provider.toUpperCase()}_CLIENT_SECRET`,
    `SNAP_${p.provider.toUpperCase()}_PRIVATE_KEY`,
  ]),
  'API_KEYS',
  'BASIC_AUTH_PASSWORD',
  'BASIC_AUTH_USERS',
  'CSRF_SECRET',
  'WEBHOOK_SECRET',
  // A webhook URL often carries a token in its path (Slack, Teams, PagerDuty).
  'WEBHOOK_URL',
  'WEBHOOK_SUBSCRIPTIONS',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
];

/** Whether the apps reach Redis over TLS: `REDIS_TLS` when set, else `REDIS_URL`'s scheme (`rediss:`, any case). */
export function redisTlsOn(config: Pick<AppConfig, 'REDIS_TLS' | 'REDIS_URL'>): boolean {
  return config.REDIS_TLS ?? new URL(config.REDIS_URL).protocol === 'rediss:';
}

/** True unless `NODE_ENV=development` was set explicitly. */
export function isProduction(config: Pick<AppConfig, 'NODE_ENV'>): boolean {
  return config.NODE_ENV !== 'development';
}
