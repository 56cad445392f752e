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

/** Statuses of a run. */
export type RunStatus = 'running' | 'finished' | 'failed';

/** What started a run. */
export type RunTrigger = 'schedule' | 'api' | 'cli';
