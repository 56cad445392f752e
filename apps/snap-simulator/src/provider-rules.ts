import { z } from 'zod';
import {
  EndpointKind,
  PROVIDER_RULES,
  ProviderRules,
  SIMULATED_PROVIDERS,
  SimulatorPaths,
} from './providers';

export {
  ENDPOINT_KINDS,
  isSimulatedProvider,
  PROVIDER_RULES,
  rulesOf,
  SIMULATED_PROVIDERS,
} from './providers';
export type { EndpointKind, ProviderRules, SignatureEncoding, SimulatorPaths } from './providers';

const nonEmpty = z.string().min(1);

/** SNAP service code answered by each endpoint. */
export const SERVICE_CODES: Record<EndpointKind, string> = {
  token: '73',
  balance: '11',
  'account-inquiry': '08',
  history: '12',
};

/** Per-provider path overrides; anything left out keeps the provider rules' path. */
export type SimulatorPathOverrides = Partial<Record<string, Partial<SimulatorPaths>>>;

/** The provider rules' paths with overrides applied (each must start with `/`). */
export function resolvePaths(
  overrides: SimulatorPathOverrides = {},
): Record<string, SimulatorPaths> {
  for (const name of Object.keys(overrides)) {
    if (!SIMULATED_PROVIDERS.includes(name)) {
      throw new Error(`simulator paths: no simulated provider ${JSON.stringify(name)}`);
    }
  }
  const out: Record<string, SimulatorPaths> = {};
  for (const provider of SIMULATED_PROVIDERS) {
    const paths: SimulatorPaths = { ...PROVIDER_RULES[provider].paths, ...overrides[provider] };
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

/**
 * What a deployment may change of a provider's checks without a code change, where the
 * providers' own pages contradict each other (PROTOCOL.md §2): header names, signature
 * encoding, channel rule, timestamp offset rule, the `X-CLIENT-SECRET` check and further
 * required headers (Finnet's general page: `ORIGIN`).
 */
export const ruleOverridesSchema = z.record(
  z
    .object({
      headers: z
        .object({ partnerId: nonEmpty, externalId: nonEmpty, channel: nonEmpty })
        .partial()
        .strict()
        .optional(),
      signatureEncoding: z.enum(['hex', 'base64']).optional(),
      channelRule: z.enum(['client-id-plus-01', 'configured']).optional(),
      timestampOffset: z.enum(['any', '+07:00']).optional(),
      clientSecretHeader: z.boolean().optional(),
      historyMethod: z.enum(['GET', 'POST']).optional(),
      requiredHeaders: z
        .array(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'))
        .optional(),
    })
    .strict(),
);

export type SimulatorRuleOverrides = z.input<typeof ruleOverridesSchema>;

/** The providers' rules with a deployment's overrides applied; throws naming a bad one. */
export function resolveRules(
  overrides: SimulatorRuleOverrides = {},
): Readonly<Record<string, ProviderRules>> {
  const parsed = ruleOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    throw new Error(
      `simulator rules: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const out: Record<string, ProviderRules> = {};
  for (const name of Object.keys(parsed.data)) {
    if (!SIMULATED_PROVIDERS.includes(name)) {
      throw new Error(`simulator rules: no simulated provider ${JSON.stringify(name)}`);
    }
  }
  for (const provider of SIMULATED_PROVIDERS) {
    const base = PROVIDER_RULES[provider];
    const o = parsed.data[provider] ?? {};
    out[provider] = { ...base, ...o, headers: { ...base.headers, ...o.headers } };
  }
  return out;
}

/** One served endpoint. */
export interface Route {
  provider: string;
  rules: ProviderRules;
  kind: EndpointKind;
  /** The path the signature must cover (transactional endpoints). */
  signedPath: string;
  /** The one method the endpoint answers, and the method part of its string to sign. */
  method: 'GET' | 'POST';
}

/**
 * The routing table `urlPath -> routes`. Two providers may share a path for the same kind of
 * endpoint (Finnet and Midtrans both take tokens at `/v1.0/access-token/b2b`): on one port the
 * simulator then tells them apart per request (see `simulator.ts`). Any other sharing throws.
 */
export function buildRoutes(
  paths: Record<string, SimulatorPaths>,
  rulesByProvider: Readonly<Record<string, ProviderRules>> = PROVIDER_RULES,
): Map<string, Route[]> {
  const routes = new Map<string, Route[]>();
  const add = (urlPath: string, route: Route) => {
    const taken = routes.get(urlPath) ?? [];
    const other = taken.find((t) => t.kind !== route.kind);
    if (other) {
      throw new Error(
        `simulator paths: ${urlPath} is both ${other.provider} ${other.kind} and ${route.provider} ${route.kind}`,
      );
    }
    routes.set(urlPath, [...taken, route]);
  };
  for (const provider of SIMULATED_PROVIDERS) {
    const rules = rulesByProvider[provider];
    const p = paths[provider];
    add(p.tokenPath, { provider, rules, kind: 'token', signedPath: p.tokenPath, method: 'POST' });
    add(p.balancePath, {
      provider,
      rules,
      kind: 'balance',
      signedPath: p.balanceSignedPath,
      method: 'POST',
    });
    if (rules.accountInquiryAnswer && p.accountInquiryPath) {
      add(p.accountInquiryPath, {
        provider,
        rules,
        kind: 'account-inquiry',
        signedPath: p.accountInquirySignedPath ?? p.accountInquiryPath,
        method: 'POST',
      });
    }
    if (rules.history && p.historyPath) {
      add(p.historyPath, {
        provider,
        rules,
        kind: 'history',
        signedPath: p.historySignedPath ?? p.historyPath,
        method: rules.historyMethod ?? 'POST',
      });
    }
  }
  return routes;
}
