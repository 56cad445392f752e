import type { INestApplication } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { createLogger } from '@app/infra';
import { createProducerApp } from '../../apps/producer/src/producer-app';
import { LogCapture } from '../support/log-capture';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { testConfig } from '../support/test-config';
import { createTestDatabase } from '../support/test-database';

/** One credential per role, as API keys and as basic-auth users. */
export const KEYS = {
  viewer: 'viewer-key-0123456789abcdef',
  operator: 'operator-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef',
};
export const PASSWORDS = {
  viewer: 'viewer-password-0123',
  operator: 'operator-password-0123',
  admin: 'admin-password-0123',
};
export type RoleName = keyof typeof KEYS;

export const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

/** Basic-auth headers of the `role` user (`vera` viewer, `otto` operator, `ada` admin). */
export const asUser = (role: RoleName) =>
  basic({ viewer: 'vera', operator: 'otto', admin: 'ada' }[role], PASSWORDS[role]);
export const asKey = (role: RoleName) => ({ 'x-api-key': KEYS[role] });

export interface SecureApp {
  config: AppConfig;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  app: INestApplication;
  url: string;
  logs: LogCapture;
  close(): Promise<void>;
}

/**
 * The producer exactly as `main.ts` builds it, on its own schema and queue prefix, with one
 * API key and one basic-auth user per role and its log lines captured.
 */
export async function startSecureApp(overrides: Record<string, string> = {}): Promise<SecureApp> {
  const config = testConfig({
    API_KEYS: `vkey:viewer:${KEYS.viewer},okey:operator:${KEYS.operator},akey:admin:${KEYS.admin}`,
    BASIC_AUTH_USER: 'ada',
    BASIC_AUTH_PASSWORD: PASSWORDS.admin,
    BASIC_AUTH_USERS: `vera:viewer:${PASSWORDS.viewer},otto:operator:${PASSWORDS.operator}`,
    LOG_LEVEL: 'info',
    ...overrides,
  });
  const db = await createTestDatabase(config);
  const logs = new LogCapture();
  const app = await createProducerApp(config, createLogger(config, 'producer', logs));
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    config,
    db,
    app,
    url,
    logs,
    async close() {
      await app.close();
      await db.drop();
      await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
    },
  };
}

/** The JSON log lines captured so far. */
export const logLines = (logs: LogCapture) =>
  logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);

let seeded = 0;
/** An open discrepancy on a fresh account (and the run that opened it); its id. */
export async function seedDiscrepancy(s: SecureApp): Promise<string> {
  const ds = s.db.dataSource;
  seeded++;
  await ds.query(`INSERT INTO merchants (id, name) VALUES ('msec', 'msec') ON CONFLICT DO NOTHING`);
  const [{ id: accountId }] = await ds.query(
    `INSERT INTO provider_accounts (merchant_id, provider, account_no) VALUES ('msec', 'netzme', $1) RETURNING id`,
    [`SEC${seeded}`],
  );
  const [{ id: runId }] = await ds.query(
    `INSERT INTO reconciliation_runs (trigger, status) VALUES ('api', 'finished') RETURNING id`,
  );
  const [{ id }] = await ds.query(
    `INSERT INTO discrepancies (account_id, opened_run_id, last_run_id, first_difference, last_difference)
     VALUES ($1, $2, $2, 500, 500) RETURNING id`,
    [accountId, runId],
  );
  return String(id);
}
