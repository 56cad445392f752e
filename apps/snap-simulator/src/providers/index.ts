import { FINNET_RULES } from './finnet';
import { MIDTRANS_RULES } from './midtrans';
import { NETZME_RULES } from './netzme';
import { NICEPAY_RULES } from './nicepay';
import type { ProviderRules } from './rules';

export * from './rules';

/** Every provider the simulator serves, by name. A new provider is one file and one line here. */
export const PROVIDER_RULES: Readonly<Record<string, ProviderRules>> = Object.fromEntries(
  [NETZME_RULES, NICEPAY_RULES, FINNET_RULES, MIDTRANS_RULES].map((r) => [r.name, r]),
);

/** The names of the simulated providers, in registration order. */
export const SIMULATED_PROVIDERS: readonly string[] = Object.keys(PROVIDER_RULES);

/** True when the text names a simulated provider. */
export function isSimulatedProvider(value: unknown): value is string {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PROVIDER_RULES, value);
}

/** The rules of a provider; throws naming it when it is not simulated. */
export function rulesOf(provider: string): ProviderRules {
  if (!isSimulatedProvider(provider)) {
    throw new Error(`no simulated provider ${JSON.stringify(provider)}`);
  }
  return PROVIDER_RULES[provider];
}
