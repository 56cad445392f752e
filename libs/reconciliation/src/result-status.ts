/** Every status a reconciliation result can have. */
export const RESULT_STATUSES = ['matched', 'mismatched', 'timing', 'inactive', 'error'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** Statuses of a run. */
export type RunStatus = 'running' | 'finished' | 'failed';

/** What started a run. */
export type RunTrigger = 'schedule' | 'api' | 'cli';
