/**
 * The balance-inquiry operation (SNAP `balance-inquiry`, service 11): asks for one account's
 * balance and reads the answer by the provider's profile: the balance type to reconcile, the
 * currency, the provider's clock, the seller id and the merchant name.
 */
import { accountFitProblem } from './account-fit';
import { answerBreach, AuthorizedAnswer, AuthorizedCaller } from './authorized-call';
import { AccountMisfitError, ContractBreachError, SnapErrorDetails } from './errors';
import { AmountFormatError, parseAmount } from './money';
import { balanceRequestBody, ProviderProfile } from './profiles';
import { pick, show } from './response-body';

/** The account whose balance is asked for. */
export interface BalanceAccount {
  accountNo: string;
  /** ISO currency the ledger keeps the account in; the provider must answer the same. */
  currency: string;
  /** NICEPay seller id, when the account is a seller's. */
  msId?: string;
}

/** One `accountInfos[]` entry, parsed. */
export interface BalanceEntry {
  balanceType: string | null;
  /** Null only for an entry that is not reconciled and could not be read (see `unreadable`). */
  value: bigint | null;
  /** Null only for an unreadable entry that names no currency as a text. */
  currency: string | null;
  /** Why an entry that is not reconciled (e.g. Netzme's Points) could not be read. */
  unreadable?: string;
}

/** A successful balance inquiry. Amounts are minor units. */
export interface BalanceInquiryResult {
  provider: string;
  accountNo: string;
  /** The balance to reconcile (the profile's balance type). */
  availableBalance: bigint;
  currency: string;
  balances: BalanceEntry[];
  /** The provider's own clock, where it gives one that can be used (see `providerTimeIgnored`). */
  providerTime: Date | null;
  /**
   * Why the provider's time was given but not used (not epoch milliseconds, or beyond the
   * allowed skew from the request time): the ledger is then read as of `requestTime`, as for a
   * provider that gives no time, and the worker says so. `null` when nothing was ignored.
   */
  providerTimeIgnored: string | null;
  /** The merchant name the provider reported (`name`), where it gives one. */
  providerName: string | null;
  /** When the answering request left (the fallback reconciliation instant). */
  requestTime: Date;
  /**
   * When the answer arrived (our clock): the provider's balance cannot hold a later entry, and
   * may hold one posted after its own time when its clock is behind ours.
   */
  answeredAt: Date;
  responseCode: string;
  externalId: string;
  referenceNo?: string;
  partnerReferenceNo?: string;
}

/** Default of {@link SnapClientDeps.providerTimeSkewMs}. */
export const DEFAULT_PROVIDER_TIME_SKEW_MS = 10 * 60_000;

/** The largest epoch milliseconds a `Date` holds. */
const MAX_DATE_MS = 8.64e15;

/** Epoch milliseconds below this (1973-03-03) are a seconds value, not a time in ms. */
const SECONDS_LOOK_ALIKE_BELOW_MS = 100_000_000_000;

/**
 * Asks the provider for the account's balance; throws a classified {@link SnapError}.
 *
 * @param providerTimeSkewMs largest accepted distance of the provider's clock from the request
 *   time (default {@link DEFAULT_PROVIDER_TIME_SKEW_MS})
 */
export async function inquireBalance(
  client: AuthorizedCaller,
  account: BalanceAccount,
  providerTimeSkewMs = DEFAULT_PROVIDER_TIME_SKEW_MS,
): Promise<BalanceInquiryResult> {
  const { profile } = client;
  const misfit = accountFitProblem(profile, account);
  if (misfit) {
    // Never sent: the provider would refuse it on every run (an account imported before the
    // check, or a profile changed since).
    throw new AccountMisfitError(
      `${profile.provider}: the account's ${misfit.field} ${show(misfit.value)} ${misfit.reason}; not sent`,
      { provider: profile.provider },
    );
  }
  const answer = await client.authorizedCall(
    'balance-inquiry',
    profile.balancePath,
    profile.balanceSignedPath,
    (reference) =>
      balanceRequestBody(profile, { reference, accountNo: account.accountNo, msId: account.msId }),
  );
  // The instant the answering request left: the ledger is read as of it when the provider
  // gives no time of its own (a token fetched first, or a retry, must not move it earlier).
  const { json, code, externalId, sentAt: requestTime, answeredAt } = answer;
  const details: SnapErrorDetails = { provider: profile.provider, responseCode: code, externalId };
  const balances = parseBalances(profile, answer, account.currency, details);
  const time = providerTime(profile, json, requestTime, providerTimeSkewMs);
  const chosen = balances.find((b) => b.reconciled)!;
  checkAccountNo(profile, json, account, details);
  checkSeller(profile, json, account, details);
  return {
    provider: profile.provider,
    accountNo: account.accountNo,
    availableBalance: chosen.value!,
    currency: account.currency, // the reconciled entry was checked to be in it
    balances: balances.map(({ reconciled: _, ...entry }) => entry),
    providerTime: time.at,
    providerTimeIgnored: time.ignored,
    providerName: merchantName(profile, json, details),
    requestTime,
    answeredAt,
    responseCode: code,
    externalId,
    referenceNo: typeof json.referenceNo === 'string' ? json.referenceNo : undefined,
    partnerReferenceNo:
      typeof json.partnerReferenceNo === 'string' ? json.partnerReferenceNo : undefined,
  };
}

/**
 * Every `accountInfos[]` entry, its amount in minor units and in the account's currency. The
 * entry to reconcile must read exactly; another (Netzme's Points) that does not is kept with
 * the reason, and does not spoil the balance that is reconciled. A single object is read as a
 * list of one: Finnet's table gives `accountInfos` no type ("M | Detail of Account Info") and
 * its Sample Response is empty, so one account's info may come as the object itself.
 */
function parseBalances(
  profile: ProviderProfile,
  answer: AuthorizedAnswer,
  currency: string,
  details: SnapErrorDetails,
): (BalanceEntry & { reconciled: boolean })[] {
  const given = answer.json.accountInfos;
  const breach = (message: string) => answerBreach(profile.provider, message, answer);
  if (given === undefined) throw breach('accountInfos is missing');
  const single = typeof given === 'object' && given !== null && !Array.isArray(given);
  const infos: unknown = single ? [given] : given;
  if (!Array.isArray(infos) || infos.length === 0) {
    throw breach(`accountInfos ${show(given)} is not a list of balances`);
  }
  const types = infos.map((info) => {
    const t = pick(info, 'balanceType');
    return typeof t === 'string' ? t : null;
  });
  const chosen = chooseBalance(profile, types, details);
  const { balanceField } = profile.response;
  return infos.map((info, i) => {
    const field = `${single ? 'accountInfos' : `accountInfos[${i}]`}.${balanceField}`;
    const balanceType = types[i];
    const reconciled = i === chosen;
    const got = pick(info, `${balanceField}.currency`);
    let value: bigint | null = null;
    let problem: string | null = null;
    try {
      value = parseAmount(pick(info, `${balanceField}.value`), `${field}.value`);
    } catch (e) {
      if (!(e instanceof AmountFormatError)) throw e;
      problem = e.message;
    }
    if (problem === null && got !== currency) {
      problem = `${field}.currency ${show(got)} is not the account's currency ${show(currency)}`;
    }
    if (problem === null) return { balanceType, reconciled, value, currency };
    if (reconciled) throw breach(problem);
    return {
      balanceType,
      reconciled,
      value: null,
      currency: typeof got === 'string' ? got : null,
      unreadable: problem,
    };
  });
}

/** The index of the profile's balance type (or of the only entry, when the profile names none). */
function chooseBalance(
  profile: ProviderProfile,
  types: (string | null)[],
  details: SnapErrorDetails,
): number {
  const wanted = profile.response.balanceType;
  if (wanted === null) {
    if (types.length === 1) return 0;
    // Picking the first of several would reconcile whichever the provider listed first.
    throw new ContractBreachError(
      `${profile.provider}: accountInfos has ${types.length} entries (balanceType ${show(types)}) and the profile names no balanceType to reconcile; set SNAP_${profile.provider.toUpperCase()}_BALANCE_TYPE`,
      details,
    );
  }
  const found = types.indexOf(wanted);
  if (found < 0) {
    throw new ContractBreachError(
      `${profile.provider}: accountInfos has no balanceType ${show(wanted)} (got ${show(types)})`,
      details,
    );
  }
  return found;
}

/**
 * The provider's clock from the answer, where it is near the request time. It decides which
 * ledger entries count, so one that cannot be right (not epoch milliseconds, or further from
 * the request time than the allowed skew) is not used: the answer's balance is still read and
 * reconciled as of the request time, and `ignored` names the value and why. Failing the whole
 * answer instead would leave the account unreconciled on every run for a field the pages only
 * call "Timestamp in long" (Netzme's own example answer carries a ts of 2022).
 */
function providerTime(
  profile: ProviderProfile,
  json: Record<string, unknown>,
  requestTime: Date,
  skewMs: number,
): { at: Date | null; ignored: string | null } {
  const field = profile.response.providerTimeField;
  if (!field) return { at: null, ignored: null };
  const raw = pick(json, field);
  if (raw === undefined || raw === null) return { at: null, ignored: null };
  const ignored = (why: string) => ({
    at: null,
    ignored: `${profile.provider}: ${field} ${show(raw)} ${why}; the ledger is read as of the request time ${requestTime.toISOString()}`,
  });
  let ms =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\d{1,15}$/.test(raw)
        ? Number(raw)
        : NaN;
  const unit = profile.response.providerTimeUnit;
  if (!Number.isSafeInteger(ms) || ms <= 0)
    return ignored(`is not epoch ${unit === 's' ? 'seconds' : 'milliseconds'}`);
  if (unit === 's') ms *= 1000;
  else if (ms < SECONDS_LOOK_ALIKE_BELOW_MS)
    return ignored(`looks like epoch seconds, not milliseconds (${new Date(ms).toISOString()})`);
  // Beyond what a Date can hold (±8.64e15 ms) there is no instant to name, only the distance.
  const shown = Math.abs(ms) <= MAX_DATE_MS ? `(${new Date(ms).toISOString()}) ` : '';
  const off = ms - requestTime.getTime();
  if (Math.abs(off) > skewMs)
    return ignored(
      `${shown}is ${Math.round(off / 1000)} s from the request time, beyond the allowed ${skewMs / 1000} s`,
    );
  return { at: new Date(ms), ignored: null };
}

/**
 * Where the provider's answer names the account (NICEPay `accountNo`), it must name this one:
 * another merchant's balance compared with this ledger would report a break that is not there
 * (or hide one). An answer naming none is a breach where the page marks the field Mandatory.
 */
function checkAccountNo(
  profile: ProviderProfile,
  json: Record<string, unknown>,
  account: BalanceAccount,
  details: SnapErrorDetails,
): void {
  const { accountNoField, accountNoEcho } = profile.response;
  if (accountNoField) {
    checkEcho(
      profile,
      json,
      details,
      accountNoField,
      accountNoEcho,
      'accountNo',
      account.accountNo,
    );
  }
}

/**
 * A seller's account (NICEPay `msId`) must be answered for that seller: an answer without the
 * seller id, or with another one, may be the parent merchant's balance, and comparing it
 * with the seller's ledger would report a break that is not there (or hide one). And the
 * merchant's own account must not be answered for a seller.
 */
function checkSeller(
  profile: ProviderProfile,
  json: Record<string, unknown>,
  account: BalanceAccount,
  details: SnapErrorDetails,
): void {
  const { sellerIdField, sellerIdEcho } = profile.response;
  if (!account.msId) {
    // A merchant's own account: an answer naming a seller is that seller's balance.
    const named = sellerIdField ? pick(json, sellerIdField) : undefined;
    if (named !== undefined && named !== null && named !== '') {
      throw new ContractBreachError(
        `${profile.provider}: asked for the merchant's own balance (no seller), the answer's ${sellerIdField} is ${show(named)}: it may be that seller's balance`,
        details,
      );
    }
    return;
  }
  if (!sellerIdField) {
    throw new ContractBreachError(
      `${profile.provider}: the account has seller id ${show(account.msId)} but the provider's profile knows no sellers (response.sellerIdField)`,
      details,
    );
  }
  // NICEPay's page marks the seller echo Optional: absent is allowed there; another never is.
  checkEcho(profile, json, details, sellerIdField, sellerIdEcho, 'seller msId', account.msId);
}

/** The answer's `field` must be `expected`; absent is allowed only with `if-present`. */
function checkEcho(
  profile: ProviderProfile,
  json: Record<string, unknown>,
  details: SnapErrorDetails,
  field: string,
  echo: 'required' | 'if-present',
  label: string,
  expected: string,
): void {
  const echoed = pick(json, field);
  if (echoed === undefined && echo === 'if-present') return;
  if (echoed !== expected) {
    throw new ContractBreachError(
      `${profile.provider}: asked for ${label} ${show(expected)}, the answer's ${field} is ${show(echoed)}: it may be another merchant's balance`,
      details,
    );
  }
}

/**
 * The merchant name the provider reported, where its profile says it names one; a breach when
 * the profile requires it and the answer has none.
 */
function merchantName(
  profile: ProviderProfile,
  json: Record<string, unknown>,
  details: SnapErrorDetails,
): string | null {
  const field = profile.response.merchantNameField;
  const value = field ? pick(json, field) : undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (field && profile.response.merchantNameRequired) {
    throw new ContractBreachError(
      `${profile.provider}: the answer's ${field} is ${show(value)}, not a merchant name: whose balance came back is unknown`,
      details,
    );
  }
  return typeof value === 'string' ? value : null;
}
