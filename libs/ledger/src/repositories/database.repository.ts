/** Anything that runs SQL text: a data source, a query runner, or a bare `pg` client. */
export interface SqlRunner {
  query(sql: string): Promise<unknown>;
}

/** A round trip to Postgres (`SELECT 1`): the readiness probes' and the demo's question. */
export async function ping(db: SqlRunner): Promise<void> {
  await db.query('SELECT 1');
}

/**
 * Drops a schema and everything in it (the demo starts from an empty one). The name is
 * quoted as an identifier; it comes from validated configuration, never from a request.
 */
export async function dropSchema(db: SqlRunner, schema: string): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
}
