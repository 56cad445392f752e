import { DataSource } from 'typeorm';
import { assertSearchPath, dataSourceOptions } from '@app/infra';
import { testConfig } from '../support/test-config';

/**
 * The apps refuse to start on a connection whose search_path is not DATABASE_SCHEMA: what a
 * pooler that drops the startup parameter `options` (PgBouncer's ignore_startup_parameters)
 * gives them. Such a connection is made here by leaving `options` out.
 */
describe('search_path check (real Postgres)', () => {
  const open = async (schema: string, dropStartupOptions: boolean) => {
    const options = dataSourceOptions(testConfig({ DATABASE_SCHEMA: schema }));
    if (dropStartupOptions) delete (options.extra as { options?: string }).options;
    return new DataSource(options).initialize();
  };

  it("passes the apps' own connection", async () => {
    const ds = await open('t_search_path_ok', false);
    try {
      await expect(assertSearchPath(ds, 't_search_path_ok')).resolves.toBeUndefined();
    } finally {
      await ds.destroy();
    }
  });

  it('refuses a connection whose search_path did not arrive, naming the setting, the path and the pooler', async () => {
    const ds = await open('t_search_path_lost', true);
    try {
      const error = (await assertSearchPath(ds, 't_search_path_lost').catch((e) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain('DATABASE_SCHEMA="t_search_path_lost"');
      expect(error.message).toContain(`the connection's search_path is "$user", public`);
      expect(error.message).toContain('ignore_startup_parameters');
    } finally {
      await ds.destroy();
    }
  });

  it('passes the server default path for DATABASE_SCHEMA=public, which resolves to the same tables', async () => {
    const ds = await open('public', true);
    try {
      await expect(assertSearchPath(ds, 'public')).resolves.toBeUndefined();
    } finally {
      await ds.destroy();
    }
  });
});
