import { randomBytes } from 'node:crypto';
import { AppConfig, loadConfig } from '@app/config';

/** A unique lowercase suffix for schema names, queue prefixes and Redis keys of one test file. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

/**
 * The app config for one test file: the machine's Postgres and Redis (or TEST_DATABASE_URL /
 * TEST_REDIS_URL), its own schema and its own queue prefix.
 */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const suffix = uniqueSuffix();
  return loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    DATABASE_SCHEMA: `t_${suffix}`,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `test-${suffix}`,
    // Every test calls from 127.0.0.1, and some try many wrong credentials on purpose; the
    // failed-login limit has its own test (test/security/hardening.test.ts).
    AUTH_FAILURES_PER_MINUTE: '1000',
    // Every difference is checked again before it is a break: a test waits 0.3 s, not 60.
    RECON_RECHECK_DELAY_MS: '300',
    ...overrides,
  });
}
