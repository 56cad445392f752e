import { PROVIDERS, ProviderName } from '@app/snap';
import { FaultQueue, FaultSpec } from './faults';
import {
  accountPatchSchema,
  AccountPatch,
  accountSchema,
  AccountSpec,
  parseSpec,
  SimulatorSpecError,
} from './specs';

const DEFAULT_BALANCE = '0.00';

/** One account's live state: its balance sequence, its faults, and how often it was asked. */
export class AccountState {
  readonly provider: ProviderName;
  readonly accountNo: string;
  balances: string[];
  currency: string;
  name: string;
  status: string;
  userType: string;
  latencyMs: number;
  faults: FaultQueue;
  /** Balances answered so far (the position in `balances`). */
  served = 0;

  constructor(spec: ReturnType<typeof parseAccount>) {
    this.provider = spec.provider;
    this.accountNo = spec.accountNo;
    this.balances = spec.balances ?? [spec.balance ?? DEFAULT_BALANCE];
    this.currency = spec.currency ?? 'IDR';
    this.name = spec.name ?? `Merchant ${spec.accountNo}`;
    this.status = spec.status ?? 'ACTIVE';
    this.userType = spec.userType ?? 'MERCHANT';
    this.latencyMs = spec.latencyMs ?? 0;
    this.faults = new FaultQueue(spec.faults);
  }

  /** The balance for this inquiry: the nth of the sequence, the last one repeating. */
  nextBalance(): string {
    const value = this.balances[Math.min(this.served, this.balances.length - 1)];
    this.served += 1;
    return value;
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
    if (patch.status !== undefined) this.status = patch.status;
    if (patch.userType !== undefined) this.userType = patch.userType;
    if (patch.latencyMs !== undefined) this.latencyMs = patch.latencyMs;
    if (patch.faults !== undefined) this.faults = new FaultQueue(patch.faults);
  }

  /** A JSON view for the admin API. */
  view(): AccountView {
    return {
      provider: this.provider,
      accountNo: this.accountNo,
      balances: [...this.balances],
      nextBalance: this.balances[Math.min(this.served, this.balances.length - 1)],
      served: this.served,
      currency: this.currency,
      name: this.name,
      status: this.status,
      userType: this.userType,
      latencyMs: this.latencyMs,
      faults: this.faults.pending(),
    };
  }
}

/** An account as the admin API shows it. */
export interface AccountView {
  provider: ProviderName;
  accountNo: string;
  balances: string[];
  nextBalance: string;
  served: number;
  currency: string;
  name: string;
  status: string;
  userType: string;
  latencyMs: number;
  faults: FaultSpec[];
}

function parseAccount(raw: unknown, what: string) {
  return parseSpec(accountSchema, raw, what);
}

function parseAccountPatch(raw: unknown) {
  return parseSpec(accountPatchSchema, raw, 'account patch');
}

/** Accounts per provider, by account number (Finnet: by client id). */
export class AccountStore {
  private readonly byProvider = new Map<ProviderName, Map<string, AccountState>>(
    PROVIDERS.map((p) => [p, new Map()]),
  );

  /** Adds or replaces accounts; with `replace`, every other account is dropped first. */
  put(specs: readonly AccountSpec[], replace = false): number {
    const parsed = specs.map((raw, i) => new AccountState(parseAccount(raw, `accounts[${i}]`)));
    if (replace) this.clear();
    for (const account of parsed)
      this.byProvider.get(account.provider)!.set(account.accountNo, account);
    return parsed.length;
  }

  /** Changes one account; throws when it does not exist. */
  patch(provider: ProviderName, accountNo: string, raw: AccountPatch): AccountView {
    const account = this.get(provider, accountNo);
    if (!account) {
      throw new SimulatorSpecError('account patch', [
        `no ${provider} account ${JSON.stringify(accountNo)}`,
      ]);
    }
    account.apply(parseAccountPatch(raw));
    return account.view();
  }

  get(provider: ProviderName, accountNo: string): AccountState | undefined {
    return this.byProvider.get(provider)!.get(accountNo);
  }

  /** Every account of a provider (or of all), for the admin API. */
  list(provider?: ProviderName): AccountState[] {
    const providers = provider ? [provider] : PROVIDERS;
    return providers.flatMap((p) => [...this.byProvider.get(p)!.values()]);
  }

  counts(): Record<ProviderName, number> {
    return Object.fromEntries(PROVIDERS.map((p) => [p, this.byProvider.get(p)!.size])) as Record<
      ProviderName,
      number
    >;
  }

  clear(): void {
    for (const map of this.byProvider.values()) map.clear();
  }
}
