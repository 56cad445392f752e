import { createHash } from 'node:crypto';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { Db } from './row-mapping';

/** Statement names by text: the name is a hash of the text, so two texts never share one. */
const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `recon_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/** False when the data source was built with `DATABASE_PREPARED_STATEMENTS=false`. */
const preparesStatements = (ds: DataSource) =>
  (ds.options as { preparedStatements?: boolean }).preparedStatements !== false;

/**
 * Runs a statement of the per-account path (a job's ledger snapshot, its result) as a named
 * prepared statement on the pool, and returns its rows: each connection parses and plans it
 * once, where an unnamed statement is parsed and planned on every call (measured with
 * `pg_stat_statements`, bench/README.md, fourteenth round: planning was a third of these
 * statements' time). Only for statements that answer rows (a SELECT, or a WITH ending in one):
 * an UPDATE or DELETE would answer `[rows, count]` on the other path and plain rows here.
 *
 * The text must not vary per call beyond its parameters (a varying text would be prepared again
 * under another name on every connection). A statement whose plan Postgres would keep badly
 * (one made while a table it probes is tiny and growing) does not belong here: see
 * `readJobStarts`. On a transaction's manager or a query runner, on a closed data source, and
 * with `DATABASE_PREPARED_STATEMENTS=false` (a pooler in transaction mode without prepared
 * statements), it is a plain statement. A failed statement's connection is closed by the pool
 * (pg-pool releases it with the error), and its prepared statements with it.
 */
export async function preparedQuery<T extends QueryResultRow>(
  db: Db,
  text: string,
  params: readonly unknown[],
): Promise<T[]> {
  if (!(db instanceof DataSource) || !db.isInitialized || !preparesStatements(db))
    return db.query(text, params as unknown[]);
  const pool = (db.driver as PostgresDriver).master as Pool;
  const { rows } = await pool.query<T>({
    name: statementName(text),
    text,
    values: params as unknown[],
  });
  return rows;
}
