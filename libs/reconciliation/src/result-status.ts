/** Every status a reconciliation result can have. */
export const RESULT_STATUSES = [
  'matched',
  'mismatched',
  'timing',
  'inactive',
  'error',
  /** The provider's circuit breaker was still open at the run's deadline: never asked. */
  'unavailable',
] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/**
 * SQL: whether result `alias` is a break (a confirmed difference beyond the tolerance): a
 * `mismatched` one, or an `inactive` one with a difference, a break on an account the
 * provider reports not active (blocked at the provider explains why it is frozen, not why it
 * disagrees with the ledger). An `inactive` answer to a refused inquiry has no difference.
 * Discrepancies and the break totals count both.
 */
export const isBreakSql = (alias: string) =>
  `(${alias}.status = 'mismatched' OR (${alias}.status = 'inactive' AND ${alias}.difference IS NOT NULL))`;

/**
 * Statuses of a run: `cancelled` by an operator (results so far kept), `skipped` a scheduled
 * tick that found a run of the same scope still running (its `note` says which).
 */
export const RUN_STATUSES = ['running', 'finished', 'failed', 'cancelled', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What started a run. */
export type RunTrigger = 'schedule' | 'api' | 'cli';
