import { CredentialRegistry, DEFAULT_CREDENTIAL_SET } from './credentials';
import { SnapClient } from './client';
import type { SnapClientDeps } from './client-deps';
import { ProfileOverrides, ProviderProfile, resolveProfile } from './profiles';
import type { ProviderName } from './providers/index';

/** Builds one {@link SnapClient} per (provider, credential set) and reuses it. */
export class SnapClientFactory {
  private readonly clients = new Map<string, SnapClient>();
  /**
   * Resolved once per provider: resolving validates the whole profile with zod, which cost
   * ~3 % of a worker's CPU when done for every job (`profile()` is asked per job).
   */
  private readonly profiles = new Map<ProviderName, ProviderProfile>();

  constructor(
    private readonly credentials: CredentialRegistry,
    private readonly deps: SnapClientDeps,
    private readonly profileOverrides: Partial<Record<ProviderName, ProfileOverrides>> = {},
  ) {}

  /** The client for a provider and credential set (`default` when none is named). */
  get(provider: ProviderName, credentialSet: string | null = DEFAULT_CREDENTIAL_SET): SnapClient {
    const name = credentialSet ?? DEFAULT_CREDENTIAL_SET;
    const key = `${provider}/${name}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new SnapClient(
        this.profile(provider),
        this.credentials.get(provider, name),
        this.deps,
      );
      this.clients.set(key, client);
    }
    return client;
  }

  /** A provider's profile with this deployment's overrides (throws for an unknown provider). */
  profile(provider: ProviderName): ProviderProfile {
    let profile = this.profiles.get(provider);
    if (!profile) {
      profile = resolveProfile(provider, this.profileOverrides[provider]);
      this.profiles.set(provider, profile);
    }
    return profile;
  }

  /** Token requests asked for by every client of this factory (held ones included). */
  tokenFetches(): number {
    let n = 0;
    for (const c of this.clients.values()) n += c.tokens.fetchCount;
    return n;
  }
}
