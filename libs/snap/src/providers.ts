/** The payment providers snap-recon speaks to. */
export const PROVIDERS = ['netzme', 'nicepay', 'finnet'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** True when the text names a known provider. */
export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

/** SNAP service codes used here. */
export const SERVICE_CODE = {
  accessToken: '73',
  balanceInquiry: '11',
  accountInquiry: '08',
} as const;
