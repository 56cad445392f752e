import { DataSource } from 'typeorm';
import { databaseRepository } from '@app/ledger';
import { dataSourceOptions, runMigrations } from '@app/infra';
import { testConfig } from '../support/test-config';

describe('database repository (real Postgres)', () => {
  it('pings, and drops a schema with everything in it', async () => {
    const config = testConfig();
    await runMigrations(config);
    const ds = new DataSource(dataSourceOptions(config));
    await ds.initialize();
    try {
      await expect(databaseRepository.ping(ds)).resolves.toBeUndefined();
      await databaseRepository.dropSchema(ds, config.DATABASE_SCHEMA);
      const rows: unknown[] = await ds.query(
        `SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`,
        [config.DATABASE_SCHEMA],
      );
      expect(rows).toEqual([]);
      // Dropping what is not there is no error (a fresh demo).
      await databaseRepository.dropSchema(ds, config.DATABASE_SCHEMA);
    } finally {
      await ds.destroy();
    }
  });

  it('a ping to a Postgres that does not answer rejects', async () => {
    const ds = new DataSource(
      dataSourceOptions({
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
        DATABASE_SCHEMA: 'public',
        DATABASE_POOL_SIZE: 1,
      }),
    );
    await expect(ds.initialize().then(() => databaseRepository.ping(ds))).rejects.toThrow();
  });
});
