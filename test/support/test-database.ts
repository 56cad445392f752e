import type { EntityList } from '@app/infra';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import { LEDGER_ENTITIES } from '@app/ledger';
import { dataSourceOptions, runMigrations } from '@app/infra';

/** Entities every test data source knows; extended by libs that add their own. */
const ALL_ENTITIES: EntityList = [...LEDGER_ENTITIES];

/**
 * Creates the test file's own schema, migrates it and returns a connected data source.
 * `drop()` removes the schema and closes the connection.
 */
export async function createTestDatabase(config: AppConfig, entities: EntityList = ALL_ENTITIES) {
  await runMigrations(config, entities);
  const dataSource = new DataSource(dataSourceOptions(config, entities));
  await dataSource.initialize();
  return {
    dataSource,
    async drop() {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${config.DATABASE_SCHEMA}" CASCADE`);
      await dataSource.destroy();
    },
  };
}
