import { z } from 'zod';
import { historyProfileSchema } from './history-profile';
import { signedPathOf } from './signed-path';

/** A URL path as a profile holds one. */
export const URL_PATH = { pattern: /^\/\S*$/, rule: 'must start with "/" and hold no spaces' };
const path = z.string().regex(URL_PATH.pattern, URL_PATH.rule);
const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name');
/** A dotted path into a JSON answer, e.g. `additionalInfo.ts`. */
const jsonPath = z
  .string()
  .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'must be a dotted path');

/**
 * Everything that differs between providers, as data (issue 11): one file per provider under
 * `libs/snap/src/providers/`, each `defineProvider({...})`, validated when the module loads,
 * and again with a deployment's overrides applied (see `resolveProfile`). Nothing outside a
 * profile names a provider.
 */
/** `Bearer <token>` or the bare token in `Authorization`. */
const authorizationSchemeSchema = z.enum(['Bearer', 'none']);

export const providerProfileSchema = z
  .object({
    /** Registry key: the `provider` column, queue name and config key part (`SNAP_<NAME>_*`). */
    provider: z.string().regex(/^[a-z][a-z0-9]{1,30}$/, 'must be lowercase letters and digits'),
    displayName: z.string().min(1),
    tokenPath: path,
    /** Path in the URL of the balance inquiry. */
    balancePath: path,
    /**
     * Path in the signature's string to sign. Unless set, the URL path less
     * `unsignedUrlPrefix` (`signedPathOf`), as every signed path here: where a deployment sets
     * the URL path and not this one, this one follows it (`resolveProfile`).
     */
    balanceSignedPath: path,
    /**
     * The URL's context prefix the provider leaves out of the paths it signs (NICEPay's
     * `/nicepay`: URL `/nicepay/api/v1.0/balance-inquiry`, signed `/api/v1.0/balance-inquiry`);
     * `null`: it signs the URL path as it is.
     */
    unsignedUrlPrefix: z
      .string()
      .regex(/^(\/[^/\s]+)+$/, 'must start with "/", hold no spaces and not end with "/"')
      .nullable(),
    /** Account-status inquiry, when the provider offers one. */
    accountStatusPath: path.optional(),
    /** Defaults to `accountStatusPath` less `unsignedUrlPrefix`, as `balanceSignedPath`. */
    accountStatusSignedPath: path.optional(),
    /** Only POST: SnapHttp sends POST, and the method is part of the string to sign. */
    method: z.literal('POST'),
    headers: z
      .object({ partnerId: headerName, externalId: headerName, channel: headerName })
      .strict(),
    /** Sent as they are on every transactional call (e.g. Finnet's general page: `ORIGIN`). */
    staticHeaders: z.record(headerName, z.string()),
    /**
     * How the token is written in `Authorization`: `Bearer <token>` (PROTOCOL.md, NICEPay's and
     * Finnet's tables, Netzme's Get Account Status example) or the bare token (Netzme's Get
     * Balance example prints `Authorization: eyJ...`). The signature covers the bare token either way.
     */
    authorizationScheme: authorizationSchemeSchema,
    /**
     * The scheme of one operation where its page differs from `authorizationScheme` (Netzme:
     * its Get Balance page sends the bare token, its Get Account Status page `Bearer`).
     */
    authorizationSchemeByOperation: z
      .object({
        'balance-inquiry': authorizationSchemeSchema,
        'account-status': authorizationSchemeSchema,
        'transaction-history': authorizationSchemeSchema,
      })
      .partial()
      .strict(),
    /** Send the client secret as `X-CLIENT-SECRET` (Netzme's pages list it; off: it defeats the HMAC). */
    sendClientSecret: z.boolean(),
    /** Encoding of the transactional HMAC-SHA512 signature. */
    signatureEncoding: z.enum(['hex', 'base64']),
    /** The channel header: the credential set's configured id, or the client id plus a suffix. */
    channel: z.discriminatedUnion('rule', [
      z.object({ rule: z.literal('configured') }).strict(),
      z.object({ rule: z.literal('client-id-plus'), suffix: z.string().min(1) }).strict(),
    ]),
    /**
     * The channel id of one operation where the provider's pages print another than the one
     * configured for the credential set (Netzme: its Get Balance example sends `CHANNEL-ID: 95221`,
     * its Get Account Status example `95521`). Only with the `configured` rule.
     */
    channelIdByOperation: z
      .object({
        'balance-inquiry': z.string().min(1),
        'account-status': z.string().min(1),
        'transaction-history': z.string().min(1),
      })
      .partial()
      .strict(),
    /**
     * The partner-id header is the client id (NICEPay: "Partner ID = Client ID"; Finnet: "Client
     * ID provided by Finnet"; Netzme: "Client id e.g NetmeClientId"): a credential set whose
     * partner id differs is refused at start-up (`credentialFitProblems`), where the provider
     * would refuse every call.
     */
    partnerIdIsClientId: z.boolean(),
    /**
     * Longest partner-id and channel header values the provider's page allows (`null`: the
     * page gives none); a credential set that does not fit is refused at start-up
     * (`credentialFitProblems`), not by the provider on every call.
     */
    headerMaxLength: z
      .object({
        partnerId: z.number().int().positive().nullable(),
        channel: z.number().int().positive().nullable(),
      })
      .strict(),
    /**
     * Longest `accountNo` and seller id (`msId`) the provider's page allows in the balance
     * request (`null`: the page gives none; NICEPay: "accountNo | String | 10", "msId | String |
     * 20"). An account that does not fit is refused at import and never sent
     * (`accountFitProblem`), where the provider would refuse it on every run (400xx01).
     */
    requestFieldMaxLength: z
      .object({
        accountNo: z.number().int().positive().nullable(),
        msId: z.number().int().positive().nullable(),
      })
      .strict(),
    /** Longest X-EXTERNAL-ID the provider accepts (ours are 32 digits: at least 32). */
    externalIdLength: z.number().int().min(32).max(64),
    /**
     * The balance request body. String values `{reference}` (a fresh partner reference),
     * `{accountNo}` and `{msId}` are filled in; a key whose value is `{msId}` is left out when
     * the account has no seller id, and an object left empty is dropped.
     */
    balanceRequest: z.record(z.unknown()),
    /** How the answer is read. */
    response: z
      .object({
        /** The amount object of an `accountInfos[]` entry (`availableBalance`, Midtrans `amount`). */
        balanceField: jsonPath,
        /** The `balanceType` to reconcile; `null`: the answer must hold exactly one entry. */
        balanceType: z.string().min(1).nullable(),
        /** Where the provider's own clock is, if anywhere, and its unit. */
        providerTimeField: jsonPath.nullable(),
        providerTimeUnit: z.enum(['ms', 's']),
        /** Where the provider names the merchant (Finnet `name`), if anywhere. */
        merchantNameField: jsonPath.nullable(),
        /**
         * An answer without a merchant name (a non-empty string) is a contract breach (Finnet's
         * table: `name | String | M`): where the credentials are the account, the name is the one
         * sign of whose balance came back.
         */
        merchantNameRequired: z.boolean(),
        /**
         * Where the answer names the account it is for (NICEPay `accountNo`, "Merchant identifier
         * that is unique per each merchant"), if anywhere: an answer naming another account, or
         * (with `accountNoEcho: 'required'`) none, is a contract breach, never compared.
         */
        accountNoField: jsonPath.nullable(),
        /** `required`: the answer must name the account (NICEPay's table: Mandatory). */
        accountNoEcho: z.enum(['required', 'if-present']),
        /** Where a seller id is echoed (NICEPay `additionalInfo.msId`), if anywhere. */
        sellerIdField: jsonPath.nullable(),
        /**
         * For a seller's account: `required`, an answer must echo the seller id; `if-present`,
         * an answer may leave it out (NICEPay's response table marks `additionalInfo` and `msId`
         * Optional) but one naming another seller is still a breach.
         */
        sellerIdEcho: z.enum(['required', 'if-present']),
      })
      .strict(),
    /** `account-number`: the body names the account; `credential-set`: the credentials are the account (Finnet). */
    accountIdentity: z.enum(['account-number', 'credential-set']),
    /**
     * Dotted paths of the fields of an account-status answer that say whether the account is
     * active (a value of the inactive list makes it not active).
     */
    statusFields: z.array(jsonPath),
    /** More fields of that answer recorded with the status for the report, never judged. */
    statusInfoFields: z.array(jsonPath),
    /** Status values the provider's pages show for a working account (not logged as unseen). */
    knownStatusValues: z.array(z.string()),
    /**
     * The transaction history (issue 15), when the provider documents one; used only while
     * `capabilities.history` is on (a profile may carry an unconfirmed one switched off).
     */
    history: historyProfileSchema.nullable(),
    capabilities: z.object({ accountStatus: z.boolean(), history: z.boolean() }).strict(),
    /** Requests per second when the deployment sets no `RATE_LIMIT_<NAME>_PER_SECOND`. */
    defaultRateLimitPerSecond: z.number().int().positive(),
  })
  .strict()
  .refine((p) => !p.capabilities.accountStatus || p.accountStatusPath !== undefined, {
    message: 'capabilities.accountStatus needs accountStatusPath',
  })
  .refine((p) => !p.capabilities.history || p.history !== null, {
    message: 'capabilities.history needs history',
  })
  .refine(
    (p) =>
      p.capabilities.accountStatus ||
      (p.statusFields.length === 0 && p.statusInfoFields.length === 0),
    { message: 'statusFields without capabilities.accountStatus' },
  )
  .refine(
    (p) => p.channel.rule === 'configured' || Object.keys(p.channelIdByOperation).length === 0,
    { message: 'channelIdByOperation needs channel.rule "configured" (the channel id is derived)' },
  );

/** A provider's profile: everything that differs between providers. */
export type ProviderProfile = z.infer<typeof providerProfileSchema>;

/** Thrown at start-up for a profile that does not validate; names every problem. */
export class ProviderProfileError extends Error {
  constructor(provider: string, problems: string[]) {
    super(`provider profile ${JSON.stringify(provider)}: ${problems.join('; ')}`);
    this.name = 'ProviderProfileError';
  }
}

/** The fields every provider must state: nothing standard can stand in for them. */
type ProviderOwnFields =
  'provider' | 'displayName' | 'balancePath' | 'balanceRequest' | 'defaultRateLimitPerSecond';

/**
 * A profile as a provider's file writes it: its own fields, and whatever it does differently
 * from the SNAP standard ({@link snapStandard}); the signed paths default to the URL paths
 * (less `unsignedUrlPrefix`).
 */
export type ProviderProfileInput = Pick<ProviderProfile, ProviderOwnFields> &
  Partial<Omit<ProviderProfile, ProviderOwnFields | 'response'>> & {
    response?: Partial<ProviderProfile['response']>;
  };

/**
 * SNAP BI's standard, where a provider's pages say nothing else: the `v1.0` B2B token path,
 * the general page's header names, a base64 HMAC, a configured channel id, an X-EXTERNAL-ID of
 * up to 36 characters, one `availableBalance` entry, and no account status or history.
 * Fresh objects on every call, so no two profiles share a mutable default.
 */
export function snapStandard(): Omit<ProviderProfile, ProviderOwnFields | 'balanceSignedPath'> {
  return {
    tokenPath: '/v1.0/access-token/b2b',
    method: 'POST',
    headers: { partnerId: 'X-PARTNER-ID', externalId: 'X-EXTERNAL-ID', channel: 'CHANNEL-ID' },
    staticHeaders: {},
    unsignedUrlPrefix: null,
    authorizationScheme: 'Bearer',
    authorizationSchemeByOperation: {},
    sendClientSecret: false,
    signatureEncoding: 'base64',
    channel: { rule: 'configured' },
    channelIdByOperation: {},
    partnerIdIsClientId: false,
    headerMaxLength: { partnerId: null, channel: null },
    requestFieldMaxLength: { accountNo: null, msId: null },
    externalIdLength: 36,
    response: {
      balanceField: 'availableBalance',
      balanceType: null,
      providerTimeField: null,
      providerTimeUnit: 'ms',
      merchantNameField: null,
      merchantNameRequired: false,
      accountNoField: null,
      accountNoEcho: 'required',
      sellerIdField: null,
      sellerIdEcho: 'required',
    },
    accountIdentity: 'account-number',
    statusFields: [],
    statusInfoFields: [],
    knownStatusValues: [],
    history: null,
    capabilities: { accountStatus: false, history: false },
  };
}

/**
 * ` = <value>` of a refused profile field, for the message; empty for an absent field, the
 * whole profile, and anything under `staticHeaders` (a deployment may put a vendor's key there).
 */
function shownValue(profile: object, path: readonly PropertyKey[]): string {
  if (path.length === 0 || path[0] === 'staticHeaders') return '';
  let value: unknown = profile;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return '';
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  const text = value === undefined ? undefined : JSON.stringify(value);
  return text === undefined ? '' : ` = ${text.length > 80 ? `${text.slice(0, 80)}…` : text}:`;
}

/**
 * Validates a profile (at module load for the built-in ones) and returns it, the SNAP standard
 * filled in where the profile is silent ({@link snapStandard}); throws a
 * {@link ProviderProfileError} naming every problem.
 */
export function defineProvider(input: ProviderProfileInput): ProviderProfile {
  const standard = snapStandard();
  const prefix = input.unsignedUrlPrefix ?? standard.unsignedUrlPrefix;
  const profile = Object.assign(
    {},
    standard,
    {
      // Anything but a path (a bad override) is left for the schema to name.
      balanceSignedPath:
        typeof input.balancePath === 'string'
          ? signedPathOf(input.balancePath, prefix)
          : input.balancePath,
    },
    input,
    {
      // Anything but an object (a bad override) is left for the schema to name.
      response:
        input.response === undefined
          ? standard.response
          : typeof input.response === 'object' && input.response !== null
            ? { ...standard.response, ...input.response }
            : input.response,
    },
  );
  const result = providerProfileSchema.safeParse(profile);
  if (!result.success) {
    throw new ProviderProfileError(
      String((profile as { provider?: unknown }).provider),
      result.error.issues.map(
        (i) => `${i.path.join('.') || '(profile)'}${shownValue(profile, i.path)} ${i.message}`,
      ),
    );
  }
  const p = result.data;
  if (p.accountStatusPath && !p.accountStatusSignedPath) {
    p.accountStatusSignedPath = signedPathOf(p.accountStatusPath, p.unsignedUrlPrefix);
  }
  if (p.history && !p.history.signedPath) {
    p.history.signedPath = signedPathOf(p.history.path, p.unsignedUrlPrefix);
  }
  return p;
}
