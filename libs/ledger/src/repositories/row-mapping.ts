import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * Anything a repository can run a statement on: the pool, a transaction's manager, or a query
 * runner holding one connection. Repositories take it per call, so a caller's transaction
 * spans several repositories' statements.
 */
export type Db = DataSource | EntityManager | QueryRunner;

/**
 * The one place a row's money turns into minor units. The driver returns `bigint` and
 * `numeric` columns as decimal strings (a float would lose anything beyond 2^53), so a column
 * is read as text and made a `bigint` here, exactly.
 */
export function moneyOf(value: string | number | bigint): bigint {
  return BigInt(value);
}

/** {@link moneyOf} for a nullable column. */
export function moneyOrNull(value: string | number | bigint | null | undefined): bigint | null {
  return value === null || value === undefined ? null : BigInt(value);
}

/** A money value as a statement parameter: decimal text, so no precision is lost on the way. */
export function moneyParam(value: bigint | null | undefined): string | null {
  return value === null || value === undefined ? null : value.toString();
}

/** A `bigserial` id as the codebase carries it: a decimal string. */
export function idOf(value: string | number | bigint): string {
  return String(value);
}

/** A count (`count(*)` comes back as text): a JS number, exact below 2^53. */
export function countOf(value: string | number): number {
  return Number(value);
}

/**
 * The affected-row count of an UPDATE or DELETE. TypeORM answers a data-changing statement
 * with `[rows, affected count]`; this reads both shapes.
 */
export function affectedRows<T>(answer: unknown): { rows: T[]; affected: number } {
  if (Array.isArray(answer) && answer.length === 2 && typeof answer[1] === 'number')
    return { rows: answer[0] as T[], affected: answer[1] };
  const rows = answer as T[];
  return { rows, affected: rows.length };
}
