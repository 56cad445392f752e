import type { Logger } from './logging/logger';

/**
 * After SIGTERM or SIGINT, gives the app's graceful shutdown (Nest's shutdown hooks: workers
 * finish their jobs, connections close) `timeoutMs`, then exits with code 1. With Redis or
 * Postgres not answering, closing waits on commands queued for a connection that never comes
 * back, and the process ignored SIGTERM for good. A job it held goes back to the queue when its
 * lock expires (BullMQ's stalled-job check), so exiting loses nothing.
 */
export function exitIfShutdownHangs(logger: Logger, timeoutMs: number): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        logger.error(
          { signal, timeoutMs },
          'shutdown did not finish in time (Redis or Postgres not answering?): exiting; jobs held go back to the queue when their locks expire',
        );
        logger.flush();
        // A moment for the asynchronous log destination to write the line.
        setTimeout(() => process.exit(1), 100);
      }, timeoutMs).unref();
    });
  }
}
