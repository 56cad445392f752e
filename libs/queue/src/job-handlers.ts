import { Job, UnrecoverableError } from 'bullmq';
import { catalogueJobs, JobName, JobPayloads } from './job-catalogue';

/** A handler method of a processor: the job (payload typed by its name) and the lock token. */
type HandlerMethod<N extends JobName> = (
  job: Job<JobPayloads[N]>,
  token?: string,
) => Promise<unknown>;

interface HandlerEntry {
  name: JobName;
  method: string | symbol;
}

// Class -> the handlers its own methods declare (base classes looked up along the chain).
const declared = new WeakMap<object, HandlerEntry[]>();

/**
 * Marks a processor method as the handler of the jobs named `name` (immich's `@OnJob`). The
 * processor's `process` calls {@link runJob}; the start-up check counts these.
 */
export function OnJob<N extends JobName>(name: N) {
  return <T extends HandlerMethod<N>>(
    target: object,
    method: string | symbol,
    _descriptor: TypedPropertyDescriptor<T>,
  ): void => {
    const cls = target.constructor;
    declared.set(cls, [...(declared.get(cls) ?? []), { name, method }]);
  };
}

/** Every handler a processor class declares, its base classes' included. */
export function jobHandlersOf(cls: abstract new (...args: never[]) => unknown): HandlerEntry[] {
  const out: HandlerEntry[] = [];
  for (let c: unknown = cls; typeof c === 'function'; c = Object.getPrototypeOf(c))
    out.push(...(declared.get(c) ?? []));
  return out;
}

/**
 * Runs the handler `host` declares for `job.name`. A job with no handler here fails without
 * retries: retrying cannot give it one (the start-up check makes this unreachable for the
 * catalogue's names; it stays for a job added by hand through Redis or Bull Board).
 */
export function runJob(host: object, job: Job, token?: string): Promise<unknown> {
  const entry = jobHandlersOf(host.constructor as new () => unknown).find(
    (h) => h.name === job.name,
  );
  if (!entry)
    throw new UnrecoverableError(`no handler for job ${job.name} on queue ${job.queueName}`);
  const handler = (host as Record<string | symbol, HandlerMethod<JobName>>)[entry.method];
  return handler.call(host, job as Job<never>, token);
}

/** A processor class of the process and the queue it consumes. */
export interface JobConsumer {
  queue: string;
  processor: abstract new (...args: never[]) => unknown;
}

/**
 * What is wrong with the handlers of the queues a process consumes, one line each: a job name
 * of the catalogue with no handler or with more than one, a handler of a name its queue does
 * not carry, a queue the catalogue does not know. Empty when every job has exactly one.
 */
export function jobHandlerProblems(consumers: readonly JobConsumer[]): string[] {
  const problems: string[] = [];
  const byQueue = new Map<string, JobConsumer[]>();
  for (const c of consumers) byQueue.set(c.queue, [...(byQueue.get(c.queue) ?? []), c]);
  for (const [queue, processors] of byQueue) {
    const expected = catalogueJobs(queue);
    if (!expected) {
      problems.push(`queue ${queue} is consumed but not in the job catalogue`);
      continue;
    }
    const handlers = processors.flatMap(({ processor }) =>
      jobHandlersOf(processor).map((h) => ({
        ...h,
        where: `${processor.name}.${String(h.method)}`,
      })),
    );
    for (const name of expected) {
      const found = handlers.filter((h) => h.name === name);
      if (found.length === 0) problems.push(`queue ${queue}: job ${name} has no handler`);
      if (found.length > 1)
        problems.push(
          `queue ${queue}: job ${name} has ${found.length} handlers (${found.map((h) => h.where).join(', ')})`,
        );
    }
    for (const h of handlers.filter((h) => !expected.includes(h.name)))
      problems.push(
        `queue ${queue}: ${h.where} handles ${h.name}, which this queue does not carry`,
      );
  }
  return problems;
}

/** Throws, naming every problem, unless each consumed job name has exactly one handler. */
export function assertJobHandlers(consumers: readonly JobConsumer[]): void {
  const problems = jobHandlerProblems(consumers);
  if (problems.length > 0)
    throw new Error(`job handlers do not match the job catalogue: ${problems.join('; ')}`);
}
