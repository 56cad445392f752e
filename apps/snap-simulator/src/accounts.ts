import { FaultQueue, FaultSpec } from './faults';
import { BuiltHistory, buildHistory, formatMinor } from './history-scenario';
import { PROVIDER_RULES, rulesOf, SIMULATED_PROVIDERS } from './providers';
import {
  accountPatchSchema,
  AccountPatch,
  accountSchema,
  AccountSpec,
  parseSpec,
  SimulatorSpecError,
} from './specs';

const DEFAULT_BALANCE = '0.00';

/**
 * The account status a known account answers unless told otherwise: Netzme's Get Account
 * Status page's own example of an ordinary, working account, verbatim.
 */
export const PAGE_ACCOUNT_STATUS = {
  userStatus: 'premium',
  userType: 'regular',
  status: 'approved_v2',
  benefits: ['Request approved'],
} as const;

/** One `accountInfos` entry. */
export interface BalanceEntry {
  balanceType?: string;
  value: string;
  currency: string;
}

/** One account's live state: its balance sequence, its faults, and how often it was asked. */
export class AccountState {
  readonly provider: string;
  readonly accountNo: string;
  readonly msId: string | undefined;
  balances: string[];
  currency: string;
  name: string;
  balanceType: string | null;
  extraBalances: { balanceType?: string; value: string; currency?: string }[];
  status: string;
  userStatus: string;
  userType: string;
  benefits: string[];
  providerTimeUnit: 'ms' | 's';
  historyCursorInclusive: boolean;
  providerTimeOffsetMs: number;
  latencyMs: number;
  faults: FaultQueue;
  statusFaults: FaultQueue;
  historyFaults: FaultQueue;
  /** The served transaction history, when the scenario gives one. */
  history: BuiltHistory | null = null;
  /** Balances answered so far (the position in `balances`). */
  served = 0;

  constructor(spec: ReturnType<typeof parseAccount>) {
    const rules = rulesOf(spec.provider);
    this.provider = spec.provider;
    this.accountNo = spec.accountNo;
    this.msId = spec.msId;
    this.balances = spec.balances ?? [spec.balance ?? DEFAULT_BALANCE];
    this.currency = spec.currency ?? 'IDR';
    this.name = spec.name ?? `Merchant ${spec.accountNo}`;
    this.balanceType =
      spec.balanceType === undefined ? (rules.mainBalanceType ?? null) : spec.balanceType;
    this.extraBalances =
      spec.extraBalances ?? (rules.defaultExtraBalances ?? []).map((e) => ({ ...e }));
    this.status = spec.status ?? PAGE_ACCOUNT_STATUS.status;
    this.userStatus = spec.userStatus ?? PAGE_ACCOUNT_STATUS.userStatus;
    this.userType = spec.userType ?? PAGE_ACCOUNT_STATUS.userType;
    this.benefits = spec.benefits ?? [...PAGE_ACCOUNT_STATUS.benefits];
    this.providerTimeUnit = spec.providerTimeUnit ?? 'ms';
    this.historyCursorInclusive = spec.historyCursorInclusive ?? false;
    this.providerTimeOffsetMs = spec.providerTimeOffsetMs ?? 0;
    this.latencyMs = spec.latencyMs ?? 0;
    this.faults = new FaultQueue(spec.faults);
    this.statusFaults = new FaultQueue(spec.statusFaults);
    this.historyFaults = new FaultQueue(spec.historyFaults);
    if (spec.history) this.setHistory(spec.history, spec.balance ?? spec.balances);
  }

  /** Loads a history scenario; without an explicit balance, the balance is what it leads to. */
  private setHistory(
    scenario: NonNullable<AccountSpec['history']>,
    explicitBalance: unknown,
  ): void {
    this.history = buildHistory(scenario, this.accountNo, Date.now());
    if (explicitBalance === undefined) {
      this.balances = [formatMinor(this.history.balance)];
      this.served = 0;
    }
  }

  /** The balance for this inquiry: the nth of the sequence, the last one repeating. */
  nextBalance(): string {
    const value = this.balances[Math.min(this.served, this.balances.length - 1)];
    this.served += 1;
    return value;
  }

  /** Every `accountInfos` entry of an answer whose main balance is `value`. */
  accountInfos(value: string, currency = this.currency): BalanceEntry[] {
    return [
      { ...(this.balanceType !== null ? { balanceType: this.balanceType } : {}), value, currency },
      ...this.extraBalances.map((e) => ({ ...e, currency: e.currency ?? currency })),
    ];
  }

  /** The next fault to produce, or `null`. */
  takeFault(): FaultSpec | null {
    return this.faults.take();
  }

  /** Applies a validated patch; a new balance or sequence starts from its first value. */
  apply(patch: ReturnType<typeof parseAccountPatch>): void {
    if (patch.balance !== undefined && patch.balances !== undefined) {
      throw new SimulatorSpecError('account patch', ['give balance or balances, not both']);
    }
    if (patch.balance !== undefined || patch.balances !== undefined) {
      this.balances = patch.balances ?? [patch.balance!];
      this.served = 0;
    }
    if (patch.currency !== undefined) this.currency = patch.currency;
    if (patch.name !== undefined) this.name = patch.name;
    if (patch.balanceType !== undefined) this.balanceType = patch.balanceType;
    if (patch.extraBalances !== undefined) this.extraBalances = patch.extraBalances;
    if (patch.status !== undefined) this.status = patch.status;
    if (patch.userStatus !== undefined) this.userStatus = patch.userStatus;
    if (patch.userType !== undefined) this.userType = patch.userType;
    if (patch.benefits !== undefined) this.benefits = patch.benefits;
    if (patch.providerTimeUnit !== undefined) this.providerTimeUnit = patch.providerTimeUnit;
    if (patch.historyCursorInclusive !== undefined)
      this.historyCursorInclusive = patch.historyCursorInclusive;
    if (patch.providerTimeOffsetMs !== undefined)
      this.providerTimeOffsetMs = patch.providerTimeOffsetMs;
    if (patch.latencyMs !== undefined) this.latencyMs = patch.latencyMs;
    if (patch.faults !== undefined) this.faults = new FaultQueue(patch.faults);
    if (patch.statusFaults !== undefined) this.statusFaults = new FaultQueue(patch.statusFaults);
    if (patch.historyFaults !== undefined) this.historyFaults = new FaultQueue(patch.historyFaults);
    if (patch.history !== undefined) {
      this.setHistory(patch.history, patch.balance ?? patch.balances);
    }
  }

  /** A JSON view for the admin API. */
  view(): AccountView {
    return {
      provider: this.provider,
      accountNo: this.accountNo,
      ...(this.msId !== undefined ? { msId: this.msId } : {}),
      balances: [...this.balances],
      nextBalance: this.balances[Math.min(this.served, this.balances.length - 1)],
      served: this.served,
      currency: this.currency,
      name: this.name,
      balanceType: this.balanceType,
      extraBalances: this.extraBalances.map((e) => ({ ...e })),
      status: this.status,
      userStatus: this.userStatus,
      userType: this.userType,
      benefits: [...this.benefits],
      providerTimeUnit: this.providerTimeUnit,
      historyCursorInclusive: this.historyCursorInclusive,
      providerTimeOffsetMs: this.providerTimeOffsetMs,
      latencyMs: this.latencyMs,
      faults: this.faults.pending(),
      statusFaults: this.statusFaults.pending(),
      historyEvents: this.history?.events.length ?? 0,
    };
  }
}

/** An account as the admin API shows it. */
export interface AccountView {
  provider: string;
  accountNo: string;
  msId?: string;
  balances: string[];
  nextBalance: string;
  served: number;
  currency: string;
  name: string;
  balanceType: string | null;
  extraBalances: { balanceType?: string; value: string; currency?: string }[];
  status: string;
  userStatus: string;
  userType: string;
  benefits: string[];
  providerTimeUnit: 'ms' | 's';
  historyCursorInclusive: boolean;
  providerTimeOffsetMs: number;
  latencyMs: number;
  faults: FaultSpec[];
  statusFaults: FaultSpec[];
  /** Events served by the history endpoint (duplicates counted). */
  historyEvents: number;
}

function parseAccount(raw: unknown, what: string) {
  return parseSpec(accountSchema, raw, what);
}

function parseAccountPatch(raw: unknown) {
  return parseSpec(accountPatchSchema, raw, 'account patch');
}

/** The store key: the account number, and the seller id for a seller under it. */
function keyOf(accountNo: string, msId?: string): string {
  return msId === undefined ? accountNo : `${accountNo}\u0000${msId}`;
}

/** What names an account in messages. */
function label(provider: string, accountNo: string, msId?: string): string {
  return `${provider} account ${JSON.stringify(accountNo)}${msId !== undefined ? ` seller ${JSON.stringify(msId)}` : ''}`;
}

/** Accounts per provider, by account number (and seller id); Finnet: by client id. */
export class AccountStore {
  private readonly byProvider = new Map<string, Map<string, AccountState>>(
    SIMULATED_PROVIDERS.map((p) => [p, new Map()]),
  );

  /** Adds or replaces accounts; with `replace`, every other account is dropped first. */
  put(specs: readonly AccountSpec[], replace = false): number {
    const parsed = specs.map((raw, i) => new AccountState(parseAccount(raw, `accounts[${i}]`)));
    if (replace) this.clear();
    for (const account of parsed) {
      this.byProvider.get(account.provider)!.set(keyOf(account.accountNo, account.msId), account);
    }
    return parsed.length;
  }

  /** Changes one account; throws when it does not exist. */
  patch(provider: string, accountNo: string, raw: AccountPatch, msId?: string): AccountView {
    const account = this.get(provider, accountNo, msId);
    if (!account) {
      throw new SimulatorSpecError('account patch', [`no ${label(provider, accountNo, msId)}`]);
    }
    account.apply(parseAccountPatch(raw));
    return account.view();
  }

  get(provider: string, accountNo: string, msId?: string): AccountState | undefined {
    return this.byProvider.get(provider)?.get(keyOf(accountNo, msId));
  }

  /** Every account of a provider (or of all), for the admin API. */
  list(provider?: string): AccountState[] {
    const providers = provider ? [provider] : SIMULATED_PROVIDERS;
    return providers.flatMap((p) => [...(this.byProvider.get(p)?.values() ?? [])]);
  }

  counts(): Record<string, number> {
    return Object.fromEntries(
      Object.keys(PROVIDER_RULES).map((p) => [p, this.byProvider.get(p)!.size]),
    );
  }

  clear(): void {
    for (const map of this.byProvider.values()) map.clear();
  }
}

export { label as accountLabel };
