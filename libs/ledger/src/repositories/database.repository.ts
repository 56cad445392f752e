/** Anything that runs SQL text: a data source, a query runner, or a bare `pg` client. */
export interface SqlRunner {
  query(sql: string): Promise<unknown>;
}

/** A round trip to Postgres (`SELECT 1`): the readiness probes' and the demo's question. */
export async function ping(db: SqlRunner): Promise<void> {
  await db.query('SELECT 1');
}
