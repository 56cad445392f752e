/**
 * `work`, or a rejection after `ms` ("<what>: no answer within <ms> ms"): a dependency that
 * hangs (ioredis queues commands while Redis is away) is as down as one that refuses.
 */
export function within<T>(ms: number, work: Promise<T>, what?: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what ? `${what}: ` : ''}no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
