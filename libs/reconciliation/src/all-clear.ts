import type { RunView } from './run-report';

/**
 * What to say when a run's results hold nothing that needs attention. "Every account matched"
 * only for a finished run that checked accounts: a skipped or empty run checked none, and a
 * running or cancelled one has not checked them all (a false all-clear is the worst report).
 */
export function nothingNeedsAttention(
  run: Pick<RunView, 'status' | 'accountCount' | 'completedCount'>,
): string {
  if (run.status === 'skipped')
    return 'no account checked: this scheduled run was skipped (a run of its scope was still running)';
  if (run.accountCount === 0) return 'no account checked: the run had no accounts';
  if (run.status !== 'finished')
    return `no account needs attention so far: the run is ${run.status}, ${run.completedCount} of ${run.accountCount} accounts done`;
  return 'every account matched';
}
