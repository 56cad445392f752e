import type { AppConfig } from '@app/config';
import { MIGRATIONS } from '@app/migrations';

/** The database settings of the config. */
export type DbSettings = Pick<
  AppConfig,
  'DATABASE_URL' | 'DATABASE_SCHEMA' | 'DATABASE_POOL_SIZE'
> &
  Partial<Pick<AppConfig, 'DATABASE_PREPARED_STATEMENTS'>>;

/**
 * TypeORM options for Postgres: the schema is put first on the search path so the raw-SQL
 * migrations and queries land in it (tests use one schema per file). `synchronize` is off.
 * No entities: every statement is raw SQL in a repository; TypeORM is the connection pool,
 * transactions and the migration runner.
 */
export function dataSourceOptions(config: DbSettings) {
  return {
    type: 'postgres' as const,
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    extra: {
      max: config.DATABASE_POOL_SIZE,
      options: `-c search_path=${config.DATABASE_SCHEMA}`,
    },
    /** Read by `preparedQuery` (@app/ledger), not by TypeORM: false sends every statement unnamed. */
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS ?? true,
  };
}
