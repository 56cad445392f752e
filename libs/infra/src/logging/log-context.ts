import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written while a job runs carries (run, account, provider). */
export type LogContext = Record<string, string | number | undefined>;

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` so that every log line it writes, however deep, carries `context`. */
export function withLogContext<T>(context: LogContext, work: () => Promise<T>): Promise<T> {
  return storage.run(context, work);
}

/** The current job's log fields (pino mixin). */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
