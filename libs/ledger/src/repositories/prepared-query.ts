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

/**
 * Runs a statement of the per-account path (a job's start, its ledger snapshot, its result) as
 * a named prepared statement on the pool: each connection parses and plans it once, where an
 * unnamed statement is parsed and planned on every call. Measured with `pg_stat_statements`
 * (bench/README.md, fourteenth round): planning alone was a third of these statements' time.
 * The text must not vary per call beyond its parameters (a varying text would be prepared again
 * under another name on every connection). On a transaction's manager or a query runner it is
 * a plain statement: their connection is not the pool's to prepare on.
 */
export async function preparedQuery<T extends QueryResultRow>(
  db: Db,
  text: string,
  params: readonly unknown[],
): Promise<T[]> {
  if (!(db instanceof DataSource)) return db.query(text, params as unknown[]);
  const pool = (db.driver as PostgresDriver).master as Pool;
  const { rows } = await pool.query<T>({
    name: statementName(text),
    text,
    values: params as unknown[],
  });
  return rows;
}
