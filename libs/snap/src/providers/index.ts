import type { ProviderProfile } from './define-provider';
import finnet from './finnet';
import midtrans from './midtrans';
import netzme from './netzme';
import nicepay from './nicepay';

export * from './define-provider';
export * from './history-profile';

/** Every provider snap-recon speaks to: one profile file each. Adding one is a line here. */
export const PROVIDER_PROFILES: readonly ProviderProfile[] = [netzme, nicepay, finnet, midtrans];

/** The registered providers' names, in registry order. */
export const PROVIDERS = PROVIDER_PROFILES.map((p) => p.provider) as [string, ...string[]];

/** A registered provider's name (checked at run time against {@link PROVIDERS}). */
export type ProviderName = string;

/** The built-in profiles by name. */
export const DEFAULT_PROFILES: Readonly<Record<string, ProviderProfile>> = Object.fromEntries(
  PROVIDER_PROFILES.map((p) => [p.provider, p]),
);

/** True when the text names a registered provider. */
export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && Object.hasOwn(DEFAULT_PROFILES, value);
}

/** SNAP service codes used here. */
export const SERVICE_CODE = {
  accessToken: '73',
  balanceInquiry: '11',
  accountInquiry: '08',
  transactionHistory: '12',
} as const;
