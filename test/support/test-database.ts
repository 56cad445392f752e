import { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import { dataSourceOptions, runMigrations } from '@app/infra';

/**
 * Creates the test file's own schema, migrates it and returns a connected data source.
 * `drop()` removes the schema and closes the connection.
 */
export async function createTestDatabase(config: AppConfig) {
  await runMigrations(config);
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  return {
    dataSource,
    async drop() {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${config.DATABASE_SCHEMA}" CASCADE`);
      await dataSource.destroy();
    },
  };
}
