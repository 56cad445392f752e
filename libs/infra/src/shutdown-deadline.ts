import type { Logger } from './logging/logger';

export interface ShutdownDeadline {
  /** SHUTDOWN_TIMEOUT_MS: how long a graceful shutdown may take before its dependencies are asked. */
  timeoutMs: number;
  /** Whether Postgres and Redis answer now (each within a few seconds). */
  dependenciesAnswer: () => Promise<boolean>;
  /** Ends the process (tests pass their own). */
  exit?: (code: number) => void;
}

/**
 * After SIGTERM or SIGINT, see {@link startShutdownDeadline}. With Redis or Postgres not
 * answering, closing waits on commands queued for a connection that never comes back, and the
 * process ignored SIGTERM for good.
 */
export function exitIfShutdownHangs(logger: Logger, deadline: ShutdownDeadline): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => startShutdownDeadline(logger, deadline, signal));
}

/**
 * Every `timeoutMs` of a graceful shutdown still under way (Nest's shutdown hooks: workers
 * finish their jobs in flight, connections close), asks whether Postgres and Redis answer.
 * While they do, the shutdown is only slow (a job making several slow provider calls) and goes
 * on, with a warning. When one does not, it is stuck: the process exits with code 1. A job it
 * held goes back to the queue when its lock expires (BullMQ's stalled-job check) and is done
 * again; an alert being queued at that very moment is lost with the dependency.
 */
export function startShutdownDeadline(
  logger: Logger,
  { timeoutMs, dependenciesAnswer, exit = (code) => process.exit(code) }: ShutdownDeadline,
  signal = 'SIGTERM',
): void {
  const check = async (): Promise<void> => {
    if (await dependenciesAnswer()) {
      logger.warn(
        { signal, timeoutMs },
        'shutdown still under way: jobs in flight are finishing, Postgres and Redis answer; waiting on',
      );
      arm();
      return;
    }
    logger.error(
      { signal, timeoutMs },
      'shutdown stuck: Postgres or Redis does not answer; exiting (jobs held go back to the queue when their locks expire)',
    );
    logger.flush();
    // A moment for the asynchronous log destination to write the line.
    setTimeout(() => exit(1), 100);
  };
  const arm = () => setTimeout(() => void check(), timeoutMs).unref();
  arm();
}
