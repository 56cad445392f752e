/** Anything that runs SQL text: a data source, a query runner, or a bare `pg` client. */
export interface SqlRunner {
  query(sql: string): Promise<unknown>;
}

/** A schema name as a quoted identifier (the name comes from validated configuration). */
const identifier = (schema: string) => `"${schema.replace(/"/g, '""')}"`;
/** A text as a quoted SQL literal. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * A schema's comment: `undefined` when there is no such schema, `null` when it has none. The
 * demo marks the schemas it makes with one, to drop only those.
 */
export async function schemaComment(
  db: SqlRunner,
  schema: string,
): Promise<string | null | undefined> {
  const rows = (await db.query(
    `SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = ${literal(schema)}`,
  )) as { comment: string | null }[];
  return rows.length === 0 ? undefined : rows[0].comment;
}

/** Whether a schema holds any table, view or sequence (one that exists empty holds none). */
export async function schemaHasRelations(db: SqlRunner, schema: string): Promise<boolean> {
  const rows = (await db.query(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${literal(schema)} LIMIT 1`,
  )) as unknown[];
  return rows.length > 0;
}

/** Creates a schema (none of that name may exist). */
export async function createSchema(db: SqlRunner, schema: string): Promise<void> {
  await db.query(`CREATE SCHEMA ${identifier(schema)}`);
}

/** Sets a schema's comment. */
export async function commentOnSchema(
  db: SqlRunner,
  schema: string,
  comment: string,
): Promise<void> {
  await db.query(`COMMENT ON SCHEMA ${identifier(schema)} IS ${literal(comment)}`);
}

/** A round trip to Postgres (`SELECT 1`): the demo's question before it migrates. */
export async function ping(db: SqlRunner): Promise<void> {
  await db.query('SELECT 1');
}

/**
 * A round trip that also looks for the apps' tables (`reconciliation_runs` on the search
 * path): the readiness probes' question. A schema dropped or never migrated under a running
 * app answers `SELECT 1` while every request fails. `to_regclass` takes no lock on the table,
 * so a probe never waits behind a migration's ALTER holding one (and a pool connection with it).
 */
export async function pingTables(db: SqlRunner): Promise<void> {
  const [{ found }] = (await db.query(
    `SELECT to_regclass('reconciliation_runs') IS NOT NULL AS found`,
  )) as { found: boolean }[];
  if (!found) throw new Error('relation "reconciliation_runs" does not exist');
}

/**
 * Drops a schema and everything in it (the demo starts from an empty one). The name is
 * quoted as an identifier; it comes from validated configuration, never from a request.
 */
export async function dropSchema(db: SqlRunner, schema: string): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS ${identifier(schema)} CASCADE`);
}
