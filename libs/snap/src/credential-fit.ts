import type { SnapOperation } from './client-deps';
import { DEFAULT_CREDENTIAL_SET, type SnapCredentials } from './credentials';
import { channelValue, operationChannelId, ProviderProfile } from './profiles';

/**
 * What keeps a credential set's header values from fitting its provider's page (NICEPay's
 * "X-PARTNER-ID | String | 20" and "CHANNEL-ID | String | 20", Finnet's "X-PARTNERID String (36)"
 * and "X-CHANNEL-ID String (5)"): a value too long is refused by the provider on every call
 * (400xx01), so it is found at start-up instead. Names the set, header, value and lengths (a
 * partner or channel id is not a secret). Also a partner id other than the client id where the
 * page makes them one (`partnerIdIsClientId`). Empty when it fits.
 */
export function credentialFitProblems(
  profile: ProviderProfile,
  credentials: SnapCredentials,
): string[] {
  const where = `${credentials.provider}/${credentials.name}`;
  const problems: string[] = [];
  const check = (header: string, value: string, max: number | null, hint: string) => {
    if (max !== null && value.length > max) {
      problems.push(
        `${where}: ${header} ${JSON.stringify(value)} is ${value.length} characters, the provider's page allows ${max}${hint}`,
      );
    }
  };
  if (profile.partnerIdIsClientId && credentials.partnerId !== credentials.clientId)
    problems.push(
      `${where}: ${profile.headers.partnerId} ${JSON.stringify(credentials.partnerId)} is not the client id, and the provider's page says the partner id is the client id; leave the set's partner id unset (it defaults to the client id), or, where the provider confirms another, set SNAP_${credentials.provider.toUpperCase()}_PROFILE='{"partnerIdIsClientId":false}'`,
    );
  const limits = profile.headerMaxLength;
  check(profile.headers.partnerId, credentials.partnerId, limits.partnerId, '');
  for (const [operation, value] of Object.entries(profile.channelIdByOperation))
    check(profile.headers.channel, value, limits.channel, ` (channelIdByOperation.${operation})`);
  const missing = channelIdMissing(profile, credentials);
  if (missing) {
    problems.push(`${where}: ${missing}`);
    return problems;
  }
  let channel: string;
  try {
    channel = channelValue(profile, credentials.clientId, credentials.channelId);
  } catch {
    // Every call has its operation's own channel id (channelIdByOperation): none to size here.
    return problems;
  }
  const hint =
    profile.channel.rule === 'client-id-plus'
      ? ` (it is the client id + ${JSON.stringify(profile.channel.suffix)})`
      : '';
  check(profile.headers.channel, channel, limits.channel, hint);
  return problems;
}

/**
 * A credential set's channel id that its provider never sends: NICEPay's page makes the
 * CHANNEL-ID the client id + "01" ("IONPAYTEST" + "01"), so a configured one is ignored. Said
 * at start-up, so an operator who set it (say, to a device id) learns it is not what goes out.
 * Null when nothing is ignored.
 */
export function ignoredChannelId(
  profile: ProviderProfile,
  credentials: SnapCredentials,
): string | null {
  if (profile.channel.rule !== 'client-id-plus' || !credentials.channelId) return null;
  return `${credentials.provider}/${credentials.name}: channel id ${JSON.stringify(credentials.channelId)} is ignored: ${profile.headers.channel} is the client id + ${JSON.stringify(profile.channel.suffix)} (${JSON.stringify(channelValue(profile, credentials.clientId, undefined))}), as the provider's page says`;
}

/**
 * Where the channel header is configured and a call this provider makes has no channel id for
 * it (neither the set's nor the operation's own): that call would fail, on every account, after
 * every retry. Says which setting gives it; null when each call has one.
 */
function channelIdMissing(profile: ProviderProfile, credentials: SnapCredentials): string | null {
  if (profile.channel.rule !== 'configured' || credentials.channelId) return null;
  const operations: SnapOperation[] = ['balance-inquiry'];
  if (profile.capabilities.accountStatus) operations.push('account-status');
  if (profile.capabilities.history) operations.push('transaction-history');
  const without = operations.filter((operation) => !operationChannelId(profile, operation));
  if (without.length === 0) return null;
  const setting =
    credentials.name === DEFAULT_CREDENTIAL_SET
      ? `SNAP_${credentials.provider.toUpperCase()}_CHANNEL_ID`
      : `the set's "channelId" in SNAP_CREDENTIALS_FILE`;
  return `no channel id for ${without.join(', ')}: the provider's ${profile.headers.channel} header needs one; set ${setting}`;
}
