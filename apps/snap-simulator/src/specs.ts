import { z } from 'zod';
import { FAULT_KINDS, TOKEN_FAULT_KINDS } from './faults';
import { historyScenarioSchema } from './history-scenario';
import { isSimulatedProvider, SIMULATED_PROVIDERS } from './providers';
import { parseTimestamp } from './timestamp-check';

/** A simulated provider's name (checked at run time, so any caller's provider type fits). */
const provider = z.string().refine(isSimulatedProvider, (v) => ({
  message: `${JSON.stringify(v)} is not a simulated provider (${SIMULATED_PROVIDERS.join(', ')})`,
}));
/** The pages' amount form: a string with two decimals, e.g. `"10000.00"` for IDR 10,000. */
export const AMOUNT_PATTERN = /^-?\d{1,16}\.\d{2}$/;
const amount = z.string().regex(AMOUNT_PATTERN, 'must be an amount like "10000.00"');
const nonEmpty = z.string().min(1);
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO currency code like "IDR"');
/**
 * A `Retry-After` header value for a `429` fault: any text a header can carry (a number, an
 * HTTP-date, or garbage to test a client with), never a line break.
 */
const retryAfter = z
  .string()
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII (a header value), e.g. "60"');
const retryAfterOnly429 = (f: { kind: string; retryAfter?: string }) =>
  f.retryAfter === undefined || f.kind === '429';
const RETRY_AFTER_ONLY_429 = { message: 'retryAfter is for a fault of kind "429"' };

export const faultSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    times: z.number().int().positive().optional(),
    responseCode: z
      .string()
      .regex(/^[1-5]\d{6}$/, 'must be a 7-digit SNAP code')
      .optional(),
    status: z.number().int().min(100).max(599).optional(),
    contentType: nonEmpty.optional(),
    body: z.string().optional(),
    retryAfter: retryAfter.optional(),
  })
  .strict()
  .refine(retryAfterOnly429, RETRY_AFTER_ONLY_429)
  .refine((f) => f.kind !== 'code' || f.responseCode !== undefined, {
    message: 'a fault of kind "code" needs responseCode',
  })
  .refine((f) => f.kind !== 'raw' || f.body !== undefined, {
    message: 'a fault of kind "raw" needs body',
  });

export const tokenFaultSchema = z
  .object({
    kind: z.enum(TOKEN_FAULT_KINDS),
    times: z.number().int().positive().optional(),
    responseCode: z
      .string()
      .regex(/^[1-5]\d{6}$/, 'must be a 7-digit SNAP code')
      .optional(),
    retryAfter: retryAfter.optional(),
    delayMs: z.number().int().min(0).optional(),
  })
  .strict()
  .refine(retryAfterOnly429, RETRY_AFTER_ONLY_429)
  .refine((f) => f.kind !== 'code' || f.responseCode !== undefined, {
    message: 'a fault of kind "code" needs responseCode',
  })
  .refine((f) => f.kind !== 'slow' || f.delayMs !== undefined, {
    message: 'a fault of kind "slow" needs delayMs',
  });

/**
 * A partner (credential set) the simulator knows. `clientIds` registers many client ids that
 * share one secret and one public key cheaply (the key is parsed once).
 */
export const partnerSchema = z
  .object({
    provider,
    clientId: nonEmpty.optional(),
    clientIds: z.array(nonEmpty).optional(),
    clientSecret: nonEmpty,
    /** X.509 SubjectPublicKeyInfo or PKCS#1 PEM of the partner's RSA key. */
    publicKeyPem: nonEmpty.optional(),
    /** Seed files only: a PEM file, relative to the seed file. */
    publicKeyFile: nonEmpty.optional(),
    channelId: nonEmpty.optional(),
    /** The partner-id header value; defaults to each client id. */
    partnerId: nonEmpty.optional(),
    /** Faults for this partner's token requests (each client id gets its own queue). */
    tokenFaults: z.array(tokenFaultSchema).optional(),
  })
  .strict()
  .refine((p) => (p.clientId === undefined) !== (p.clientIds === undefined), {
    message: 'exactly one of clientId and clientIds is required',
  })
  .refine((p) => (p.publicKeyPem === undefined) !== (p.publicKeyFile === undefined), {
    message: 'exactly one of publicKeyPem and publicKeyFile is required',
  });

/** Fault kinds an account status inquiry can produce. */
export const STATUS_FAULT_KINDS = [
  '500',
  '504',
  '429',
  'connection-reset',
  'read-timeout',
  'non-json',
  'code',
  'raw',
] as const;

/** One more `accountInfos` entry after the account's main balance. */
const extraBalanceSchema = z
  .object({ balanceType: nonEmpty.optional(), value: amount, currency: currency.optional() })
  .strict();

const accountFields = {
  /** A fixed balance, e.g. `"10000.00"`. */
  balance: amount.optional(),
  /** Balances answered in turn (nth inquiry gets the nth; the last repeats). */
  balances: z.array(amount).min(1).optional(),
  currency: currency.optional(),
  /** The merchant name a provider reports (Finnet `name`). */
  name: z.string().optional(),
  /**
   * The main balance's `balanceType` (default: the provider's, Netzme `Cash`); `null` leaves
   * the field out.
   */
  balanceType: nonEmpty.nullable().optional(),
  /** Further `accountInfos` entries (default: the provider's, Netzme `Points` 0.00). */
  extraBalances: z.array(extraBalanceSchema).optional(),
  /** Account status answer (Netzme): `additionalInfo.status`, default `approved_v2`. */
  status: nonEmpty.optional(),
  /** `additionalInfo.userStatus`, default `premium`. */
  userStatus: nonEmpty.optional(),
  /** `additionalInfo.userType`, default `regular`. */
  userType: nonEmpty.optional(),
  /** `additionalInfo.benefits`, default `["Request approved"]`. */
  benefits: z.array(z.string()).optional(),
  /** How this account's provider time (Netzme `additionalInfo.ts`) is written: `ms` (the page) or `s`. */
  providerTimeUnit: z.enum(['ms', 's']).optional(),
  /** Added to this account's provider time, on top of the `clockOffsetMs` setting. */
  providerTimeOffsetMs: z.number().int().optional(),
  latencyMs: z.number().int().min(0).optional(),
  /**
   * History paging (Netzme `seqId`): `true` answers a page from the cursor's own event
   * onwards (an inclusive cursor, the event at each page boundary sent twice); the page does
   * not say which, so the client must cope with both. Default: strictly older than the cursor.
   */
  historyCursorInclusive: z.boolean().optional(),
  /**
   * The account's transaction history (providers with a history endpoint): its events set the
   * balance too (opening + settled events + unlisted movements) unless `balance`/`balances`
   * is given.
   */
  history: historyScenarioSchema.optional(),
  /** Faults for this account's history pages, one per page: the kinds every endpoint answers alike. */
  historyFaults: z
    .array(
      faultSchema.refine(
        (f) => f.kind !== 'raw' && (STATUS_FAULT_KINDS as readonly string[]).includes(f.kind),
        {
          message: `a history fault is one of ${STATUS_FAULT_KINDS.filter((k) => k !== 'raw').join(', ')}`,
        },
      ),
    )
    .optional(),
  faults: z.array(faultSchema).optional(),
  /**
   * Faults for this account's status inquiries (Netzme account inquiry), consumed one per
   * inquiry like `faults`: the kinds every endpoint answers alike, `code`, and `raw` (a canned
   * answer, e.g. a page's example response byte for byte).
   */
  statusFaults: z
    .array(
      faultSchema.refine((f) => (STATUS_FAULT_KINDS as readonly string[]).includes(f.kind), {
        message: `a status fault is one of ${STATUS_FAULT_KINDS.join(', ')}`,
      }),
    )
    .optional(),
};

/**
 * An account at a provider: Netzme and NICEPay by `accountNo` (NICEPay: and `msId` for a
 * seller under the merchant), Finnet by the client id of the partner whose token asks
 * (Finnet's request names no account).
 */
export const accountSchema = z
  .object({ provider, accountNo: nonEmpty, msId: nonEmpty.optional(), ...accountFields })
  .strict()
  .refine((a) => !(a.balance !== undefined && a.balances !== undefined), {
    message: 'give balance or balances, not both',
  });

/** Fields an account patch may change; a new balance or balances restarts the sequence. */
export const accountPatchSchema = z.object(accountFields).strict();

/**
 * An access token the simulator holds without having issued it (e.g. the token printed on a
 * provider's page), for a registered partner.
 */
export const tokenSpecSchema = z
  .object({
    provider,
    clientId: nonEmpty,
    accessToken: z.string().regex(/^\S+$/, 'must be a token without white space'),
    /** Seconds the token stays valid from now (from the frozen clock if set); default 900. */
    expiresInSeconds: z.number().int().positive().optional(),
  })
  .strict();

/** Settings that can change at run time. */
export const settingsSchema = z
  .object({
    /** Added to every provider answer (the median when `latencyP99Ms` is set). */
    latencyMs: z.number().int().min(0),
    /**
     * When set, each answer's latency is drawn from a log-normal distribution with median
     * `latencyMs` and this 99th percentile (a provider's long tail); `null`: always `latencyMs`.
     */
    latencyP99Ms: z.number().int().min(0).nullable(),
    /** Share of requests (0 to 1) held as a `read-timeout` fault, before any check. */
    timeoutShare: z.number().min(0).max(1),
    /** `expiresIn` of issued tokens. */
    tokenLifetimeSeconds: z.number().int().positive(),
    /** Largest accepted distance between X-TIMESTAMP and the simulator's clock. */
    timestampSkewMs: z.number().int().min(0),
    /** Added to the provider time reported to clients (Netzme `additionalInfo.ts`). */
    clockOffsetMs: z.number().int(),
    /** Added to the simulator's clock when it checks X-TIMESTAMP: a provider clock ahead or behind. */
    timestampClockOffsetMs: z.number().int(),
    /**
     * When set (an X-TIMESTAMP like `2022-08-10T00:00:00+07:00`, or any ISO instant), the
     * simulator's clock stands still at that instant: token expiry, X-TIMESTAMP skew, provider
     * time and the external-id day all read it (replaying a published request from 2022).
     */
    frozenClock: z
      .string()
      .refine((t) => parseTimestamp(t) !== null || !Number.isNaN(Date.parse(t)), {
        message: 'must be a timestamp like 2022-08-10T00:00:00+07:00',
      })
      .nullable(),
    /** When set (e.g. `+07:00`, Jakarta time), an X-TIMESTAMP with another offset is 400xx01. */
    requiredTimestampOffset: z
      .string()
      .regex(/^[+-]\d{2}:\d{2}$/, 'must be an offset like +07:00')
      .nullable(),
    /** How long a `read-timeout` fault holds the request before answering 504. */
    readTimeoutHoldMs: z.number().int().min(0),
    /**
     * A provider down as a whole, every endpoint: `503` answers HTTP 503 with a gateway's
     * HTML page, `hang` holds every request as a `read-timeout` fault does. `{}` = all up.
     */
    outages: z.record(provider, z.enum(['503', 'hang'])),
  })
  .strict();

export type PartnerSpec = z.input<typeof partnerSchema>;
export type AccountSpec = z.input<typeof accountSchema>;
export type AccountPatch = z.input<typeof accountPatchSchema>;
export type SimulatorSettings = z.infer<typeof settingsSchema>;
export type TokenSpec = z.input<typeof tokenSpecSchema>;

export const DEFAULT_SETTINGS: SimulatorSettings = {
  latencyMs: 0,
  latencyP99Ms: null,
  timeoutShare: 0,
  tokenLifetimeSeconds: 900,
  timestampSkewMs: 5 * 60_000,
  clockOffsetMs: 0,
  timestampClockOffsetMs: 0,
  requiredTimestampOffset: null,
  readTimeoutHoldMs: 60_000,
  outages: {},
  frozenClock: null,
};

/** Thrown for a bad seed, admin body or programmatic spec; lists every problem. */
export class SimulatorSpecError extends Error {
  constructor(
    what: string,
    readonly problems: string[],
  ) {
    super(`${what}: ${problems.join('; ')}`);
    this.name = 'SimulatorSpecError';
  }
}

/** Parses with a schema or throws a {@link SimulatorSpecError} naming each bad field. */
export function parseSpec<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new SimulatorSpecError(
    what,
    result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
  );
}
