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
 * Statuses of a run: `cancelled` by an operator (results so far kept), `skipped` a scheduled
 * tick that found a run of the same scope still running (its `note` says which).
 */
export const RUN_STATUSES = ['running', 'finished', 'failed', 'cancelled', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What started a run. */
export type RunTrigger = 'schedule' | 'api' | 'cli';
