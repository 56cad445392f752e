import { z } from 'zod';
import { parseAmount } from '@app/snap';
import { apiKeysSetting, basicAuthUsersSetting, ROLES } from './credentials.schema';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');
const url = (def: string, protocols: string[]) =>
  z
    .string()
    .default(def)
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a ${protocols.join(' or ')} URL` },
    );
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

/**
 * Every setting of every app, read from the environment. The README's configuration table
 * lists the same names; secrets are marked in {@link SECRET_KEYS} and never printed.
 */
export const configSchema = z.object({
  // Production unless development is asked for by name: a forgotten NODE_ENV is production.
  NODE_ENV: z.enum(['development', 'production']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: int(3000, 0),
  HOST: z.string().min(1).default('0.0.0.0'),
  HTTP_REQUEST_TIMEOUT_MS: int(60_000, 1_000),
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 1_000),
  AUTH_FAILURES_PER_MINUTE: int(10, 1),
  MAX_CONCURRENT_EXPORTS: int(4, 1),
  DATABASE_URL: url('postgres://postgres@127.0.0.1:5432/postgres', ['postgres:', 'postgresql:']),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier')
    .default('public'),
  DATABASE_POOL_SIZE: int(10, 1),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  REDIS_SENTINELS: hostList,
  REDIS_SENTINEL_NAME: z.string().default('mymaster'),
  REDIS_CLUSTER_NODES: hostList,
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w{}.-]+$/, 'letters, digits, - _ . { } only')
    .default('snap-recon'),
  WORKER_CONCURRENCY: int(50, 1),
  WORKER_STALLED_INTERVAL_MS: int(30_000, 1_000),
  WORKER_SWEEP_INTERVAL_MS: int(60_000, 0),
  JOB_ATTEMPTS: int(5, 1),
  JOB_BACKOFF_MS: int(1000, 0),
  JOB_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.5),
  RATE_LIMIT_NETZME_PER_SECOND: int(200, 1),
  RATE_LIMIT_NICEPAY_PER_SECOND: int(200, 1),
  RATE_LIMIT_FINNET_PER_SECOND: int(200, 1),
  RATE_LIMIT_PAUSE_MS: int(1000, 1),
  RATE_LIMIT_WINDOW_MARGIN_MS: int(200, 0),
  RECON_TOLERANCE: amount,
  RECON_IN_FLIGHT_WINDOW_SECONDS: int(300, 0),
  RECON_RECHECK_DELAY_MS: int(60_000, 0),
  SCHEDULE_CRON: z.string().default(''),
  SCHEDULE_TIMEZONE: z.string().default('Asia/Jakarta'),
  SNAP_CONNECT_TIMEOUT_MS: int(5_000, 1),
  SNAP_READ_TIMEOUT_MS: int(15_000, 1),
  SNAP_TOKEN_SAFETY_MARGIN_MS: int(60_000, 0),
  SNAP_CREDENTIALS_FILE: z.string().optional(),
  SNAP_NETZME_TOKEN_PATH: z.string().optional(),
  SNAP_NETZME_BALANCE_PATH: z.string().optional(),
  SNAP_NETZME_BALANCE_SIGNED_PATH: z.string().optional(),
  SNAP_NETZME_ACCOUNT_STATUS_PATH: z.string().optional(),
  SNAP_NICEPAY_TOKEN_PATH: z.string().optional(),
  SNAP_NICEPAY_BALANCE_PATH: z.string().optional(),
  SNAP_NICEPAY_BALANCE_SIGNED_PATH: z.string().optional(),
  SNAP_FINNET_TOKEN_PATH: z.string().optional(),
  SNAP_FINNET_BALANCE_PATH: z.string().optional(),
  SNAP_FINNET_BALANCE_SIGNED_PATH: z.string().optional(),
  CHECK_NETZME_ACCOUNT_STATUS: bool(true),
  HEALTH_MAX_QUEUE_LAG_SECONDS: int(900, 1),
  WORKER_METRICS_PORT: int(9464, 0),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  API_KEYS: apiKeysSetting,
  BASIC_AUTH_USER: z.string().min(1).default('admin'),
  BASIC_AUTH_PASSWORD: z.string().optional(),
  BASIC_AUTH_ROLE: z.enum(ROLES).default('admin'),
  BASIC_AUTH_USERS: basicAuthUsersSetting,
  CSRF_SECRET: z.string().min(32, 'needs at least 32 characters').optional(),
  WEBHOOK_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || /^https?:\/\/[^\s]+$/.test(v), {
      message: 'must be an http(s) URL',
    })
    .transform((v) => v || undefined),
  WEBHOOK_SECRET: z.string().optional(),
});

export type AppConfig = z.infer<typeof configSchema>;

/** The basic-auth password in development when none is configured; production has none and refuses it. */
export const DEV_BASIC_AUTH_PASSWORD = 'snap-recon-dev';

/** Settings whose values are secret: never logged, never returned. */
export const SECRET_KEYS = [
  'SNAP_NETZME_CLIENT_SECRET',
  'SNAP_NICEPAY_CLIENT_SECRET',
  'SNAP_FINNET_CLIENT_SECRET',
  'SNAP_NETZME_PRIVATE_KEY',
  'SNAP_NICEPAY_PRIVATE_KEY',
  'SNAP_FINNET_PRIVATE_KEY',
  'API_KEYS',
  'BASIC_AUTH_PASSWORD',
  'BASIC_AUTH_USERS',
  'CSRF_SECRET',
  'WEBHOOK_SECRET',
] as const;

/** True unless `NODE_ENV=development` was set explicitly. */
export function isProduction(config: Pick<AppConfig, 'NODE_ENV'>): boolean {
  return config.NODE_ENV !== 'development';
}
