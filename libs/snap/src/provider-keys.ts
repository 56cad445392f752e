import type { ProviderName } from './providers/index';

/**
 * The prefix of every Redis key holding one provider's shared state (its pacing schedule, its
 * circuit breaker). The deployment decides it (on Redis Cluster: one hash tag per provider, the
 * same as the provider's queue, so a provider's keys share a slot and the providers spread over
 * the masters); this library only appends its own key names.
 */
export type ProviderKeyPrefix = (provider: ProviderName) => string;

/** `<prefix>:<provider>`: every provider's keys under one plain prefix (tests, single node). */
export function providerKeysUnder(prefix: string): ProviderKeyPrefix {
  return (provider) => `${prefix}:${provider}`;
}
