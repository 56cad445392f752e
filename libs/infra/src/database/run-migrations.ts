import { DataSource } from 'typeorm';
import { dataSourceOptions, DbSettings } from './data-source';
import { assertSearchPath } from './search-path-check';

/** Creates the schema if needed and applies pending migrations; returns their names. */
export async function runMigrations(config: DbSettings): Promise<string[]> {
  const ds = new DataSource(dataSourceOptions(config));
  await ds.initialize();
  try {
    await assertSearchPath(ds, config.DATABASE_SCHEMA);
    await ds.query(`CREATE SCHEMA IF NOT EXISTS "${config.DATABASE_SCHEMA}"`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
