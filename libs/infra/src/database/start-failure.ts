/** Postgres's SQLSTATE for a relation (table) that does not exist. */
const UNDEFINED_TABLE = '42P01';

/**
 * The one line an app prints when it cannot start: the error's message, with what to do where
 * the cause is plain. A database whose schema was never migrated fails its first query with
 * `relation "…" does not exist`; the line then says to run the migrations.
 */
export function startFailureLine(app: string, e: unknown): string {
  const error = e as { message?: string; code?: string };
  const message = error?.message ?? String(e);
  const hint =
    error?.code === UNDEFINED_TABLE
      ? ' (the database schema is not migrated: run `npm run cli -- migrate`, or `node dist/apps/cli/src/main.js migrate` where dist/ is built)'
      : '';
  return `${app} failed to start: ${message}${hint}\n`;
}
