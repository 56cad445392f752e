import { DEFAULT_PROFILES, type ProviderName } from '@app/snap';
import type { PartnerKeys } from './partner-keys';

/** Client ids of the default credential sets the demo uses. */
export const DEMO_CLIENT_IDS: Record<Exclude<ProviderName, 'finnet'>, string> = {
  netzme: 'NETZME-DEMO-PARTNER',
  nicepay: 'IONPAYTEST',
  midtrans: 'MIDTRANS-DEMO-PARTNER',
};
/** Providers whose demo accounts share one default credential set. */
const DEFAULT_SET_PROVIDERS = ['netzme', 'nicepay', 'midtrans'] as const;
export const DEMO_CHANNEL_ID = '95221';

/**
 * The `SNAP_*` environment of the worker for the demo providers at `baseUrl`, plus the
 * credentials file content: Finnet knows each merchant by its own client id, so each Finnet
 * account has a named credential set (named after its account number = client id).
 */
export function demoCredentials(
  baseUrl: string,
  keys: Record<ProviderName, PartnerKeys>,
  finnetClientIds: string[],
): { env: Record<string, string>; file: Record<string, Record<string, Record<string, string>>> } {
  const env: Record<string, string> = {};
  for (const provider of DEFAULT_SET_PROVIDERS) {
    const P = provider.toUpperCase();
    env[`SNAP_${P}_BASE_URL`] = baseUrl;
    env[`SNAP_${P}_CLIENT_ID`] = DEMO_CLIENT_IDS[provider];
    env[`SNAP_${P}_CLIENT_SECRET`] = keys[provider].clientSecret;
    env[`SNAP_${P}_PRIVATE_KEY`] = keys[provider].privateKeyPem;
    // NICEPay's CHANNEL-ID is the client id + "01": a configured one would only be ignored.
    if (DEFAULT_PROFILES[provider].channel.rule === 'configured')
      env[`SNAP_${P}_CHANNEL_ID`] = DEMO_CHANNEL_ID;
  }
  const finnet = Object.fromEntries(
    finnetClientIds.map((clientId) => [
      clientId,
      {
        baseUrl,
        clientId,
        clientSecret: keys.finnet.clientSecret,
        privateKey: keys.finnet.privateKeyPem,
        channelId: DEMO_CHANNEL_ID,
      },
    ]),
  );
  return { env, file: { finnet } };
}

/** The same partners as the simulator must know them (public keys only). */
export function demoPartners(keys: Record<ProviderName, PartnerKeys>, finnetClientIds: string[]) {
  return [
    ...DEFAULT_SET_PROVIDERS.map((provider) => ({
      provider,
      clientId: DEMO_CLIENT_IDS[provider],
      clientSecret: keys[provider].clientSecret,
      publicKeyPem: keys[provider].publicKeyPem,
      channelId: DEMO_CHANNEL_ID,
    })),
    ...(finnetClientIds.length
      ? [
          {
            provider: 'finnet' as const,
            clientIds: finnetClientIds,
            clientSecret: keys.finnet.clientSecret,
            publicKeyPem: keys.finnet.publicKeyPem,
            channelId: DEMO_CHANNEL_ID,
          },
        ]
      : []),
  ];
}
