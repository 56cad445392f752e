/**
 * What one provider's pages say a strict server checks and answers, as data. The simulator
 * holds its own copy of these facts, written from the providers' pages (shared/seeds) and
 * shared/snap/PROTOCOL.md, never imported from the client (libs/snap): a misreading shared by
 * both sides could not fail a test.
 */

import type { ServedEvent } from '../history-scenario';
import { SNAP_HEADER_NAMES, SUCCESSFUL } from './snap-standard';

/** Which endpoint of a provider a request hit. */
export type EndpointKind = 'token' | 'balance' | 'account-inquiry' | 'history';

export const ENDPOINT_KINDS: readonly EndpointKind[] = [
  'token',
  'balance',
  'account-inquiry',
  'history',
];

/** How X-SIGNATURE text encodes the HMAC. */
export type SignatureEncoding = 'hex' | 'base64';

/** URL and signed paths the simulator serves for one provider. */
export interface SimulatorPaths {
  tokenPath: string;
  balancePath: string;
  balanceSignedPath: string;
  /** Providers with an account status endpoint only. */
  accountInquiryPath?: string;
  accountInquirySignedPath?: string;
  /** Providers with a transaction history endpoint only (Netzme history-list). */
  historyPath?: string;
  historySignedPath?: string;
}

/** A SNAP answer's code parts: HTTP status + case code (the service code comes from the endpoint). */
export interface CodeParts {
  httpStatus: number;
  caseCode: string;
  /** The page's own message for it. */
  message: string;
}

/** What a success answer is built from. */
export interface BalanceFacts {
  /** The account as the request named it (or the partner's client id where none is named). */
  accountNo: string;
  /** The parsed request body. */
  request: Record<string, unknown>;
  /** Every `accountInfos` entry to answer, the account's main balance first. */
  accountInfos: { balanceType?: string; value: string; currency: string }[];
  /** The merchant's name as the provider knows it. */
  name: string;
  /** Provider time in epoch ms (already shifted by the clock settings). */
  providerTimeMs: number;
  /** How the provider time is written (`ms`, as the pages say, or `s` to test a client). */
  providerTimeUnit: 'ms' | 's';
  /** A fresh provider-side reference number. */
  referenceNo: (length?: number) => string;
}

/** Account status values answered by an account status endpoint. */
export interface StatusFacts {
  request: Record<string, unknown>;
  userStatus: string;
  userType: string;
  status: string;
  benefits: string[];
  referenceNo: (length?: number) => string;
}

/** One page of an account's history, as the endpoint hands it to the rules. */
export interface HistoryFacts {
  request: Record<string, unknown>;
  /** The page's events, newest first. */
  events: ServedEvent[];
  currency: string;
  providerTimeMs: number;
}

export interface ProviderRules {
  /** The provider's name in the admin API, seeds and stats. */
  name: string;
  paths: SimulatorPaths;
  /** Header names, as the balance page writes them (node lowercases them on receipt). */
  headers: { partnerId: string; externalId: string; channel: string };
  /** Longest X-EXTERNAL-ID accepted (digits only). */
  externalIdMaxLength: number;
  /**
   * The method the history endpoint takes (and signs): PROTOCOL.md §3 says Netzme's history
   * page uses GET with a JSON body while POST is the SNAP norm. Absent: POST. Every other
   * endpoint takes POST only.
   */
  historyMethod?: 'GET' | 'POST';
  signatureEncoding: SignatureEncoding;
  /** `client-id-plus-01`: the client id followed by `01`; `configured`: the partner's channel id. */
  channelRule: 'client-id-plus-01' | 'configured';
  /** `any`: any offset (or `Z`) naming the instant; `+07:00`: the page demands Jakarta time. */
  timestampOffset: 'any' | '+07:00';
  /**
   * Whether the page lists an `X-CLIENT-SECRET` header (Netzme's header tables list it beside
   * the others, with no optional mark, and every curl sends it): it must be sent (`400xx02`)
   * and equal the partner's secret (`401xx00`). Absent: the page does not list it.
   */
  clientSecretHeader?: boolean;
  /**
   * Further headers that must be present on a transactional call (`400xx02` naming the first
   * missing), e.g. `ORIGIN` on Finnet's general headers page. None by default.
   */
  requiredHeaders?: string[];
  /**
   * How `Authorization` must carry the token, per transactional endpoint, where its page shows
   * otherwise than `Bearer <token>`: `bare` (Netzme's Get Balance example). Absent: `Bearer`.
   */
  authorization?: Partial<Record<'balance' | 'account-inquiry' | 'history', 'Bearer' | 'bare'>>;
  /** Mandatory string body fields (dotted paths) per transactional endpoint. */
  mandatory: { balance: string[]; 'account-inquiry'?: string[]; history?: string[] };
  /**
   * Longest string the page allows in a balance request body field (dotted path), e.g.
   * NICEPay's "accountNo | String | 10"; longer is `400xx01` Invalid Field Format. None by
   * default.
   */
  balanceFieldMaxLength?: Record<string, number>;
  /**
   * How the balance inquiry names its account: a body field (dotted path), or `partner` when
   * the credential set itself is the merchant (the request names no account).
   */
  balanceAccount: { field: string } | 'partner';
  /** The body field naming a seller under the account, if the provider has sellers. */
  sellerField?: string;
  /** Default `accountInfos[].balanceType` of the main balance, if the provider names types. */
  mainBalanceType?: string;
  /** Further `accountInfos` entries an account answers unless it says otherwise. */
  defaultExtraBalances?: { balanceType?: string; value: string }[];
  /** The answer for an account the provider does not know, per endpoint. */
  unknownAccount: { balance: CodeParts; 'account-inquiry'?: CodeParts; history?: CodeParts };
  /** The success `responseMessage` the page prints, per endpoint. */
  successMessage: { token: string; balance: string; 'account-inquiry'?: string; history?: string };
  /** The success body fields after `responseCode` and `responseMessage`. */
  balanceAnswer(facts: BalanceFacts): Record<string, unknown>;
  /** The account status answer, for providers with that endpoint. */
  accountInquiryAnswer?(facts: StatusFacts): Record<string, unknown>;
  /**
   * The transaction history: where the request names the account and the cursor, and how a
   * page is answered. Providers with that endpoint only.
   */
  history?: {
    accountField: string;
    /** Body field of the paging cursor: 0 (or absent) asks for the newest page. */
    cursorField: string;
    pageSizeField: string;
    defaultPageSize: number;
    maxPageSize: number;
    answer(facts: HistoryFacts): Record<string, unknown>;
  };
}

/**
 * A provider's rules as its file writes them: the SNAP standard (snap-standard.ts) stands in
 * where the file is silent: the general page's header names, the `Successful` messages, and a
 * signed balance path equal to the URL's.
 */
export type ProviderRulesInput = Omit<ProviderRules, 'paths' | 'headers' | 'successMessage'> & {
  paths: Omit<SimulatorPaths, 'balanceSignedPath'> & { balanceSignedPath?: string };
  headers?: ProviderRules['headers'];
  successMessage?: ProviderRules['successMessage'];
};

/** Declares a provider's rules, the standard filled in, checking what a type cannot. */
export function defineProviderRules(input: ProviderRulesInput): ProviderRules {
  const rules: ProviderRules = {
    ...input,
    paths: {
      ...input.paths,
      balanceSignedPath: input.paths.balanceSignedPath ?? input.paths.balancePath,
    },
    headers: input.headers ?? { ...SNAP_HEADER_NAMES },
    successMessage: input.successMessage ?? { ...SUCCESSFUL },
  };
  for (const [key, value] of Object.entries(rules.paths)) {
    if (value !== undefined && !String(value).startsWith('/')) {
      throw new Error(`simulator rules ${rules.name}: paths.${key} must start with "/"`);
    }
  }
  if (Boolean(rules.paths.accountInquiryPath) !== Boolean(rules.accountInquiryAnswer)) {
    throw new Error(
      `simulator rules ${rules.name}: an account inquiry path needs an accountInquiryAnswer and back`,
    );
  }
  if (Boolean(rules.paths.historyPath) !== Boolean(rules.history)) {
    throw new Error(`simulator rules ${rules.name}: a history path needs history rules and back`);
  }
  return rules;
}
