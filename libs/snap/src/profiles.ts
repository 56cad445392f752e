import {
  DEFAULT_PROFILES,
  defineProvider,
  PROVIDERS,
  ProviderProfile,
  ProviderProfileError,
  URL_PATH,
} from './providers/index';
import type { SnapOperation } from './client-deps';

export type { ProviderProfile } from './providers/index';
export { DEFAULT_PROFILES } from './providers/index';

/** A deployment's changes to a profile: any field, nested objects merged key by key. */
export type ProfileOverrides = {
  // A nullable object (history) merges like the others (resolveProfile), so it is partial too.
  [K in keyof ProviderProfile]?: NonNullable<ProviderProfile[K]> extends object
    ? Partial<NonNullable<ProviderProfile[K]>> | Extract<ProviderProfile[K], null>
    : ProviderProfile[K];
};

/** @deprecated the path settings only; use {@link ProfileOverrides}. */
export type ProfilePathOverrides = ProfileOverrides;

const MERGED_OBJECTS = [
  'headers',
  'authorizationSchemeByOperation',
  'channelIdByOperation',
  'staticHeaders',
  'response',
  'capabilities',
  'history',
  'headerMaxLength',
  'requestFieldMaxLength',
] as const;

/**
 * A registered provider's profile with a deployment's overrides applied, validated again as
 * a whole (a bad override stops the process at start-up naming the field).
 */
export function resolveProfile(
  provider: string,
  overrides: ProfileOverrides = {},
): ProviderProfile {
  const base = DEFAULT_PROFILES[provider];
  if (!base) {
    throw new ProviderProfileError(provider, [`not registered (known: ${PROVIDERS.join(', ')})`]);
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    merged[key] =
      value !== null && (MERGED_OBJECTS as readonly string[]).includes(key)
        ? { ...(base as unknown as Record<string, object>)[key], ...(value as object) }
        : value;
  }
  if (overrides.authorizationScheme !== undefined && !overrides.authorizationSchemeByOperation) {
    // A deployment that names the scheme means it for every call: the built-in per-operation
    // exceptions (Netzme's bare balance token) would otherwise keep the one that matters.
    merged.authorizationSchemeByOperation = {};
  }
  followUrlPaths(merged, overrides);
  if (merged.provider !== provider) {
    throw new ProviderProfileError(provider, ['provider: an override cannot rename the profile']);
  }
  return defineProvider(merged as ProviderProfile);
}

/**
 * A signed path the deployment does not set follows its URL path: where the deployment sets a
 * URL path (or the `unsignedUrlPrefix`), the built-in signed path, made for the built-in URL, is
 * dropped for `defineProvider` to derive again from the new one. Kept, the call went to the new
 * URL signed over the old path, and a provider checking the signature refused every call.
 */
function followUrlPaths(merged: Record<string, unknown>, overrides: ProfileOverrides): void {
  const prefixSet = overrides.unsignedUrlPrefix !== undefined;
  const pairs = [
    ['balancePath', 'balanceSignedPath'],
    ['accountStatusPath', 'accountStatusSignedPath'],
  ] as const;
  for (const [urlPath, signedPath] of pairs) {
    if ((prefixSet || overrides[urlPath] !== undefined) && overrides[signedPath] === undefined) {
      delete merged[signedPath];
    }
  }
  const history = merged.history;
  const set = overrides.history ?? undefined;
  if (
    typeof history === 'object' &&
    history !== null &&
    (prefixSet || set?.path !== undefined) &&
    set?.signedPath === undefined
  ) {
    // A copy: without a history override, merged.history is the built-in profile's own object.
    const { signedPath: _builtIn, ...rest } = history as { signedPath?: string };
    merged.history = rest;
  }
}

/**
 * The per-deployment overrides of one provider from the environment (names in the README):
 * `SNAP_<NAME>_PROFILE` (a JSON object: any profile field) and, for the common ones,
 * `SNAP_<NAME>_TOKEN_PATH`, `_BALANCE_PATH`, `_BALANCE_SIGNED_PATH`, `_ACCOUNT_STATUS_PATH`,
 * `_ACCOUNT_STATUS_SIGNED_PATH`, `_BALANCE_TYPE` (`none` for null), `_SIGNATURE_ENCODING`.
 */
export function profileOverridesFromEnv(
  provider: string,
  env: Record<string, unknown>,
): ProfileOverrides {
  const P = provider.toUpperCase();
  const text = (key: string) => {
    const v = env[`SNAP_${P}_${key}`];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  let fromJson: ProfileOverrides = {};
  const json = text('PROFILE');
  if (json !== undefined) {
    try {
      fromJson = JSON.parse(json) as ProfileOverrides;
    } catch {
      throw new ProviderProfileError(provider, [`SNAP_${P}_PROFILE is not JSON`]);
    }
    if (typeof fromJson !== 'object' || fromJson === null || Array.isArray(fromJson)) {
      throw new ProviderProfileError(provider, [`SNAP_${P}_PROFILE must be a JSON object`]);
    }
  }
  const balanceType = text('BALANCE_TYPE');
  // Each setting named as set, not as the profile field it feeds; every bad one at once.
  const problems: string[] = [];
  const encodingText = text('SIGNATURE_ENCODING');
  const encoding = encodingText === 'hex' || encodingText === 'base64' ? encodingText : undefined;
  if (encodingText !== undefined && encoding === undefined)
    problems.push(
      `SNAP_${P}_SIGNATURE_ENCODING = ${JSON.stringify(encodingText)}: must be hex or base64`,
    );
  const urlPath = (key: string) => {
    const v = text(key);
    if (v !== undefined && !URL_PATH.pattern.test(v))
      problems.push(`SNAP_${P}_${key} = ${JSON.stringify(v)}: ${URL_PATH.rule}`);
    return v;
  };
  const scalar: ProfileOverrides = {
    tokenPath: urlPath('TOKEN_PATH'),
    balancePath: urlPath('BALANCE_PATH'),
    balanceSignedPath: urlPath('BALANCE_SIGNED_PATH'),
    accountStatusPath: urlPath('ACCOUNT_STATUS_PATH'),
    // Unset, each signed path follows its URL path (resolveProfile).
    accountStatusSignedPath: urlPath('ACCOUNT_STATUS_SIGNED_PATH'),
    signatureEncoding: encoding,
  };
  if (problems.length > 0) throw new ProviderProfileError(provider, problems);
  const out: ProfileOverrides = { ...fromJson };
  for (const [k, v] of Object.entries(scalar)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  if (balanceType !== undefined) {
    out.response = Object.assign({}, fromJson.response, {
      balanceType: balanceType === 'none' ? null : balanceType,
    });
  }
  return out;
}

/** Every registered provider's profile with the environment's overrides applied. */
export function resolveProfilesFromEnv(env: Record<string, unknown>): ProviderProfile[] {
  return PROVIDERS.map((p) => resolveProfile(p, profileOverridesFromEnv(p, env)));
}

/**
 * The channel header value for a credential set under a profile: for `operation`, the profile's
 * own channel id of that operation where it has one (`channelIdByOperation`).
 */
export function channelValue(
  profile: ProviderProfile,
  clientId: string,
  channelId: string | undefined,
  operation?: SnapOperation,
): string {
  if (profile.channel.rule === 'client-id-plus') return `${clientId}${profile.channel.suffix}`;
  const own = operation === undefined ? undefined : operationChannelId(profile, operation);
  if (own) return own;
  if (!channelId) throw new Error(`${profile.provider}: a channel id is required`);
  return channelId;
}

/** The profile's own channel id of one operation (`channelIdByOperation`), if it has one. */
export function operationChannelId(
  profile: ProviderProfile,
  operation: SnapOperation,
): string | undefined {
  const byOperation: Partial<Record<SnapOperation, string>> = profile.channelIdByOperation;
  return byOperation[operation];
}

/** The balance request body: the profile's template with the account's values filled in. */
export function balanceRequestBody(
  profile: ProviderProfile,
  values: { reference: string; accountNo: string; msId?: string },
): object {
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return node
        .replace('{reference}', values.reference)
        .replace('{accountNo}', values.accountNo)
        .replace('{msId}', values.msId ?? '\u0000');
    }
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        const filled = fill(v);
        // An optional field with no value ({msId} without a seller) is left out.
        if (typeof filled === 'string' && filled.includes('\u0000')) continue;
        if (filled && typeof filled === 'object' && Object.keys(filled).length === 0) continue;
        out[k] = filled;
      }
      return out;
    }
    return node;
  };
  return fill(profile.balanceRequest) as object;
}
