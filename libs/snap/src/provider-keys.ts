import type { ProviderName } from './providers';

/**
 * The prefix of every Redis key holding one provider's shared state (its pacing schedule, its
 * circuit breaker). Every such key is built through here, so they can move together, e.g.
 * under one hash tag per provider on Redis Cluster, by changing this one function.
 */
export function providerKeyPrefix(keyPrefix: string, provider: ProviderName): string {
  return `${keyPrefix}:${provider}`;
}
