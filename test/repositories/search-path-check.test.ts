import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import {
  assertSearchPath,
  DatabaseModule,
  dataSourceOptions,
  runMigrations,
  SearchPathError,
} from '@app/infra';
import { startOptionsDroppingProxy } from '../support/options-dropping-proxy';
import { testConfig } from '../support/test-config';

/**
 * The apps refuse to start on a connection whose search_path is not DATABASE_SCHEMA: what a
 * pooler that drops the startup parameter `options` (PgBouncer's ignore_startup_parameters)
 * gives them. Such a connection is made here by leaving `options` out.
 */
describe('search_path check (real Postgres)', () => {
  /** assertSearchPath on a new connection, without its startup parameter `options` if asked. */
  const checkOn = async (schema: string, dropStartupOptions: boolean) => {
    const options = dataSourceOptions(testConfig({ DATABASE_SCHEMA: schema }));
    if (dropStartupOptions) delete (options.extra as { options?: string }).options;
    const ds = await new DataSource(options).initialize();
    try {
      return await assertSearchPath(ds, schema);
    } finally {
      await ds.destroy();
    }
  };

  it("passes the apps' own connection", async () => {
    await expect(checkOn('t_search_path_ok', false)).resolves.toBeUndefined();
  });

  it('refuses a connection whose search_path did not arrive, naming the setting, the path and the pooler', async () => {
    const error = (await checkOn('t_search_path_lost', true).catch((e) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('DATABASE_SCHEMA="t_search_path_lost"');
    expect(error.message).toContain(`the connection's search_path is "$user", public`);
    expect(error.message).toContain('ignore_startup_parameters');
  });

  it('passes the server default path for DATABASE_SCHEMA=public, which resolves to the same tables', async () => {
    await expect(checkOn('public', true)).resolves.toBeUndefined();
  });
});

describe('behind a pooler that drops the startup parameter options (real Postgres)', () => {
  let proxy: Awaited<ReturnType<typeof startOptionsDroppingProxy>>;
  const direct = testConfig();
  const target = new URL(direct.DATABASE_URL);
  beforeAll(async () => {
    proxy = await startOptionsDroppingProxy(target.hostname, Number(target.port || 5432));
  });
  afterAll(async () => {
    await proxy.close();
  });
  const behindProxy = (schema: string) =>
    testConfig({ DATABASE_URL: proxy.via(direct.DATABASE_URL), DATABASE_SCHEMA: schema });

  it('migrate refuses, and creates nothing in public', async () => {
    const config = behindProxy('t_search_path_migrate');
    await expect(runMigrations(config)).rejects.toThrow(
      'DATABASE_SCHEMA="t_search_path_migrate": the connection\'s search_path is "$user", public',
    );
    const ds = await new DataSource(dataSourceOptions(direct)).initialize();
    try {
      const [{ n }]: { n: string }[] = await ds.query(
        `SELECT count(*) AS n FROM pg_namespace WHERE nspname = 't_search_path_migrate'`,
      );
      expect(Number(n)).toBe(0);
    } finally {
      await ds.destroy();
    }
  });

  it("an app's database module refuses at once, without TypeORM's retries", async () => {
    // One start that succeeds through the proxy (public passes) counts the connections of one
    // attempt; a retried start would open that many again per attempt, 3 s apart.
    const before = proxy.connections;
    const ok = await Test.createTestingModule({
      imports: [DatabaseModule.forRoot(behindProxy('public'))],
    }).compile();
    await ok.close();
    const perAttempt = proxy.connections - before;
    expect(perAttempt).toBeGreaterThan(0);

    const start = proxy.connections;
    await expect(
      Test.createTestingModule({
        imports: [DatabaseModule.forRoot(behindProxy('t_search_path_app'))],
      }).compile(),
    ).rejects.toThrow(SearchPathError);
    expect(proxy.connections - start).toBe(perAttempt);
  });
});
