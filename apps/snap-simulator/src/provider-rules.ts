import { DEFAULT_PROFILES, PROVIDERS, ProviderName, SignatureEncoding } from '@app/snap';

/** Which endpoint of a provider a request hit. */
export type EndpointKind = 'token' | 'balance' | 'account-inquiry';

export const ENDPOINT_KINDS: readonly EndpointKind[] = ['token', 'balance', 'account-inquiry'];

/** SNAP service code answered by each endpoint. */
export const SERVICE_CODES: Record<EndpointKind, string> = {
  token: '73',
  balance: '11',
  'account-inquiry': '08',
};

/**
 * What a strict provider checks on a transactional call, written down from PROTOCOL.md
 * independently of the client's profiles (only the default paths are shared), so that a
 * mistake in a client profile shows up as a rejection here instead of being mirrored.
 */
export interface ProviderRules {
  provider: ProviderName;
  /** Header names, as sent (node lowercases them on receipt). */
  partnerIdHeader: string;
  externalIdHeader: string;
  channelHeader: string;
  /** Longest X-EXTERNAL-ID accepted (digits only). */
  externalIdMaxLength: number;
  signatureEncoding: SignatureEncoding;
  /** `client-id-plus-01`: NICEPay wants `<clientId>01`; `configured`: the partner's channel id. */
  channelRule: 'client-id-plus-01' | 'configured';
  /** Mandatory body fields (dotted paths) per transactional endpoint. */
  mandatory: Partial<Record<Exclude<EndpointKind, 'token'>, string[]>>;
}

export const PROVIDER_RULES: Record<ProviderName, ProviderRules> = {
  netzme: {
    provider: 'netzme',
    partnerIdHeader: 'X-PARTNER-ID',
    externalIdHeader: 'X-EXTERNAL-ID',
    channelHeader: 'CHANNEL-ID',
    externalIdMaxLength: 32,
    signatureEncoding: 'hex',
    channelRule: 'configured',
    mandatory: {
      balance: ['partnerReferenceNo', 'accountNo'],
      'account-inquiry': ['partnerReferenceNo', 'additionalInfo.custId'],
    },
  },
  nicepay: {
    provider: 'nicepay',
    partnerIdHeader: 'X-PARTNER-ID',
    externalIdHeader: 'X-EXTERNAL-ID',
    channelHeader: 'CHANNEL-ID',
    externalIdMaxLength: 40,
    signatureEncoding: 'base64',
    channelRule: 'client-id-plus-01',
    mandatory: { balance: ['accountNo'] },
  },
  finnet: {
    provider: 'finnet',
    partnerIdHeader: 'X-PARTNERID',
    externalIdHeader: 'X-EXTERNAL-ID',
    channelHeader: 'X-CHANNEL-ID',
    externalIdMaxLength: 36,
    signatureEncoding: 'base64',
    channelRule: 'configured',
    mandatory: { balance: ['partnerReferenceNo'] },
  },
};

/** URL and signed paths the simulator serves for one provider. */
export interface SimulatorPaths {
  tokenPath: string;
  balancePath: string;
  balanceSignedPath: string;
  /** Netzme only. */
  accountInquiryPath?: string;
  accountInquirySignedPath?: string;
}

/** Per-provider path overrides; anything left out keeps the default profile's path. */
export type SimulatorPathOverrides = Partial<Record<ProviderName, Partial<SimulatorPaths>>>;

/** The default profile paths of libs/snap, with overrides applied (each must start with `/`). */
export function resolvePaths(
  overrides: SimulatorPathOverrides = {},
): Record<ProviderName, SimulatorPaths> {
  const out = {} as Record<ProviderName, SimulatorPaths>;
  for (const provider of PROVIDERS) {
    const p = DEFAULT_PROFILES[provider];
    const paths: SimulatorPaths = {
      tokenPath: p.tokenPath,
      balancePath: p.balancePath,
      balanceSignedPath: p.balanceSignedPath,
      accountInquiryPath: p.accountStatusPath,
      accountInquirySignedPath: p.accountStatusSignedPath,
      ...overrides[provider],
    };
    for (const [key, value] of Object.entries(paths)) {
      if (value !== undefined && !value.startsWith('/')) {
        throw new Error(
          `simulator paths: ${provider}.${key} must start with "/", got ${JSON.stringify(value)}`,
        );
      }
    }
    out[provider] = paths;
  }
  return out;
}

/** One served endpoint. */
export interface Route {
  provider: ProviderName;
  kind: EndpointKind;
  /** The path the signature must cover (transactional endpoints). */
  signedPath: string;
}

/** The routing table `urlPath -> route`; throws when two endpoints share a path. */
export function buildRoutes(paths: Record<ProviderName, SimulatorPaths>): Map<string, Route> {
  const routes = new Map<string, Route>();
  const add = (urlPath: string, route: Route) => {
    const taken = routes.get(urlPath);
    if (taken) {
      throw new Error(
        `simulator paths: ${urlPath} is both ${taken.provider} ${taken.kind} and ${route.provider} ${route.kind}`,
      );
    }
    routes.set(urlPath, route);
  };
  for (const provider of PROVIDERS) {
    const p = paths[provider];
    add(p.tokenPath, { provider, kind: 'token', signedPath: p.tokenPath });
    add(p.balancePath, { provider, kind: 'balance', signedPath: p.balanceSignedPath });
    if (PROVIDER_RULES[provider].mandatory['account-inquiry'] && p.accountInquiryPath) {
      add(p.accountInquiryPath, {
        provider,
        kind: 'account-inquiry',
        signedPath: p.accountInquirySignedPath ?? p.accountInquiryPath,
      });
    }
  }
  return routes;
}
