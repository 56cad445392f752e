import type { DataSource } from 'typeorm';

/** A connection whose search_path is not DATABASE_SCHEMA: a setting to fix, not worth retrying. */
export class SearchPathError extends Error {}

/**
 * Refuses a connection whose `search_path` is not `DATABASE_SCHEMA`. The apps set it with the
 * startup parameter `options=-c search_path=<schema>`; a pooler can drop that parameter
 * (PgBouncer with `ignore_startup_parameters = options`), and then every statement would land in
 * `public` whatever the setting says: tables migrated there, and two deployments with different
 * schemas on one database reading each other's runs (found by a tester behind PgBouncer). The
 * server's default path (`"$user", public`) passes for `DATABASE_SCHEMA=public`, where it
 * resolves to the same tables.
 */
export async function assertSearchPath(ds: DataSource, schema: string): Promise<void> {
  const [{ path }]: { path: string }[] = await ds.query(
    `SELECT current_setting('search_path') AS path`,
  );
  const schemas = path
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .filter((s) => s !== '$user');
  if (schemas.length === 1 && schemas[0] === schema) return;
  throw new SearchPathError(
    `DATABASE_SCHEMA="${schema}": the connection's search_path is ${path}, so statements would not run in schema ${schema}. ` +
      'The startup parameter options=-c search_path=… did not reach Postgres: a connection pooler drops it ' +
      "(PgBouncer's ignore_startup_parameters). Connect without that pooler, or use DATABASE_SCHEMA=public behind it.",
  );
}
