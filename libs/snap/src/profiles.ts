import type { SignatureEncoding } from './signing';
import type { ProviderName } from './providers';

/** How the channel header's value is found. */
export type ChannelRule =
  /** The credential set's configured channel id (Netzme, Finnet). */
  | 'configured'
  /** The client id followed by `01` (NICEPay Disbursement SNAP). */
  | 'client-id-plus-01';

/** Which fields a provider's balance-inquiry body carries. */
export type BalanceRequestShape =
  /** `{partnerReferenceNo, accountNo}` (Netzme: accountNo is the customer id). */
  | 'reference-and-account'
  /** `{accountNo}` plus optional `additionalInfo.msId` (NICEPay). */
  | 'account-only'
  /** `{partnerReferenceNo}`: the merchant is known by the credentials (Finnet). */
  | 'reference-only';

/** Everything that differs between providers, as data. */
export interface ProviderProfile {
  provider: ProviderName;
  displayName: string;
  tokenPath: string;
  /** Path in the URL of the balance inquiry. */
  balancePath: string;
  /** Path in the signature's string to sign (may differ from the URL path). */
  balanceSignedPath: string;
  /** Account status inquiry (Netzme only). */
  accountStatusPath?: string;
  accountStatusSignedPath?: string;
  /** Dotted paths of the status fields in an account-status answer. */
  statusFields: string[];
  /** Status values the provider's pages show for a working account (not logged as unseen). */
  knownStatusValues: string[];
  headers: { partnerId: string; externalId: string; channel: string };
  signatureEncoding: SignatureEncoding;
  channelRule: ChannelRule;
  balanceRequest: BalanceRequestShape;
  /** The `accountInfos[].balanceType` to reconcile; `null` takes the first entry. */
  balanceType: string | null;
  /** Where the provider puts its own clock in a balance response, if anywhere. */
  providerTimeField: 'additionalInfo.ts' | null;
}

/** The built-in profiles, per PROTOCOL.md. Paths are overridable through config. */
export const DEFAULT_PROFILES: Record<ProviderName, ProviderProfile> = {
  netzme: {
    provider: 'netzme',
    displayName: 'Netzme',
    tokenPath: '/api/v1/access-token/b2b',
    balancePath: '/api/v1.0/payment/balance-inquiry',
    balanceSignedPath: '/api/v1.0/payment/balance-inquiry',
    accountStatusPath: '/api/v1.0/account/registration-account-inquiry',
    accountStatusSignedPath: '/api/v1.0/account/registration-account-inquiry',
    statusFields: ['additionalInfo.userStatus', 'additionalInfo.status'],
    // The Get Account Status page's example of an ordinary account.
    knownStatusValues: ['premium', 'regular', 'approved_v2'],
    headers: { partnerId: 'X-PARTNER-ID', externalId: 'X-EXTERNAL-ID', channel: 'CHANNEL-ID' },
    signatureEncoding: 'hex',
    channelRule: 'configured',
    balanceRequest: 'reference-and-account',
    balanceType: 'Cash',
    providerTimeField: 'additionalInfo.ts',
  },
  nicepay: {
    provider: 'nicepay',
    displayName: 'NICEPay',
    tokenPath: '/nicepay/v1.0/access-token/b2b',
    balancePath: '/nicepay/api/v1.0/balance-inquiry',
    balanceSignedPath: '/api/v1.0/balance-inquiry',
    statusFields: [],
    knownStatusValues: [],
    headers: { partnerId: 'X-PARTNER-ID', externalId: 'X-EXTERNAL-ID', channel: 'CHANNEL-ID' },
    signatureEncoding: 'base64',
    channelRule: 'client-id-plus-01',
    balanceRequest: 'account-only',
    balanceType: null,
    providerTimeField: null,
  },
  finnet: {
    provider: 'finnet',
    displayName: 'Finnet',
    tokenPath: '/v1.0/access-token/b2b',
    balancePath: '/topup/v1.0/balance-inquiry-merchant',
    balanceSignedPath: '/topup/v1.0/balance-inquiry-merchant',
    statusFields: [],
    knownStatusValues: [],
    headers: { partnerId: 'X-PARTNERID', externalId: 'X-EXTERNAL-ID', channel: 'X-CHANNEL-ID' },
    signatureEncoding: 'base64',
    channelRule: 'configured',
    balanceRequest: 'reference-only',
    balanceType: null,
    providerTimeField: null,
  },
};

/** Path settings that config may override per provider. */
export type ProfilePathOverrides = Partial<
  Pick<
    ProviderProfile,
    | 'tokenPath'
    | 'balancePath'
    | 'balanceSignedPath'
    | 'accountStatusPath'
    | 'accountStatusSignedPath'
  >
>;

/** A provider's profile with config overrides applied; every path must start with `/`. */
export function resolveProfile(
  provider: ProviderName,
  overrides: ProfilePathOverrides = {},
): ProviderProfile {
  const profile: ProviderProfile = { ...DEFAULT_PROFILES[provider] };
  for (const [key, value] of Object.entries(overrides) as [
    keyof ProfilePathOverrides,
    string | undefined,
  ][]) {
    if (value === undefined) continue;
    if (!value.startsWith('/')) {
      throw new Error(
        `${provider} profile: ${key} must start with "/", got ${JSON.stringify(value)}`,
      );
    }
    profile[key] = value;
  }
  return profile;
}

/** The channel header value for a credential set under a profile. */
export function channelValue(
  profile: ProviderProfile,
  clientId: string,
  channelId: string | undefined,
): string {
  if (profile.channelRule === 'client-id-plus-01') return `${clientId}01`;
  if (!channelId) throw new Error(`${profile.provider}: a channel id is required`);
  return channelId;
}
