import { ModulesContainer } from '@nestjs/core';
// The key @nestjs/bullmq's @Processor stores its queue under (not re-exported by the package).
import { PROCESSOR_METADATA } from '@nestjs/bullmq/dist/bull.constants';
import { assertJobHandlers, JobConsumer } from '@app/queue';

/** Every class of the app decorated with `@Processor(queue)`, with that queue. */
export function jobConsumers(modules: ModulesContainer): JobConsumer[] {
  const seen = new Set<unknown>();
  const consumers: JobConsumer[] = [];
  for (const module of modules.values())
    for (const wrapper of module.providers.values()) {
      const cls = wrapper.metatype;
      if (typeof cls !== 'function' || seen.has(cls)) continue;
      seen.add(cls);
      const meta = Reflect.getMetadata(PROCESSOR_METADATA, cls) as { name?: string } | undefined;
      if (meta?.name)
        consumers.push({ queue: meta.name, processor: cls as JobConsumer['processor'] });
    }
  return consumers;
}

/**
 * The start-up check (immich's job repository does the same): every job name of every queue
 * this process consumes has exactly one handler, or the app does not start and the error names
 * what is missing or doubled. A factory, so it runs while Nest builds the providers, before
 * any module init starts a BullMQ worker.
 */
export const jobHandlerCheck = {
  provide: Symbol('JOB_HANDLER_CHECK'),
  inject: [ModulesContainer],
  useFactory: (modules: ModulesContainer): JobConsumer[] => {
    const consumers = jobConsumers(modules);
    assertJobHandlers(consumers);
    return consumers;
  },
};
