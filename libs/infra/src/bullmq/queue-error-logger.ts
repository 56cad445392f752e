import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { APP_LOGGER } from '../logging/logger';

/**
 * Logs a queue's connection errors. A BullMQ queue re-emits its connection's errors, and an
 * EventEmitter with no 'error' listener throws: a queue closed while still connecting (an app
 * stopped right after it started) or a Redis that goes away must be a log line, not a crash.
 * For the queues `names` (every queue the app registered).
 */
export function queueErrorLogger(names: readonly string[]) {
  return {
    provide: Symbol('QUEUE_ERROR_LOGGER'),
    inject: [APP_LOGGER, ...names.map((name) => getQueueToken(name))],
    useFactory: (logger: Logger, ...queues: Queue[]) => {
      for (const queue of queues)
        queue.on('error', (err: Error) =>
          logger.warn({ queue: queue.name, err: err.message }, 'queue connection error'),
        );
      return true;
    },
  };
}
