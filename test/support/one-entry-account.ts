import type { ProviderName } from '@app/snap';
import type { ScenarioAccount, SimulatedAccount } from '../../apps/cli/src/demo/demo-scenario';

/**
 * A scenario account whose ledger holds `entries` (minor units, each posted `agoMs` ago; refs
 * `<accountNo>-1`, `-2`, …) and whose simulated provider answers as `simulated` says; expected
 * `matched` unless the test says otherwise (the e2e tests assert the outcome themselves).
 */
export function ledgerAccount(account: {
  provider: ProviderName;
  accountNo: string;
  entries: { amount: bigint; agoMs: number }[];
  simulated: SimulatedAccount | Record<string, unknown>;
  merchantId?: string;
  credentialSet?: string | null;
}): ScenarioAccount {
  const merchantId = account.merchantId ?? `M-${account.accountNo}`;
  return {
    merchantId,
    merchantName: `Merchant ${merchantId}`,
    provider: account.provider,
    accountNo: account.accountNo,
    credentialSet: account.credentialSet ?? null,
    ledger: account.entries.map(({ amount, agoMs }, i) => ({
      entryRef: `${account.accountNo}-${i + 1}`,
      amount,
      postedAt: new Date(Date.now() - agoMs),
    })),
    simulated: account.simulated,
    kind: 'matched',
    expected: { status: 'matched', difference: 0n, attempts: 1 },
  } as ScenarioAccount;
}

/** A {@link ledgerAccount} with one entry of `ledger` minor units, posted `postedAgoMs` ago (an hour). */
export function oneEntryAccount(account: {
  provider: ProviderName;
  accountNo: string;
  ledger: bigint;
  simulated: SimulatedAccount | Record<string, unknown>;
  merchantId?: string;
  credentialSet?: string | null;
  postedAgoMs?: number;
}): ScenarioAccount {
  const { ledger, postedAgoMs, ...rest } = account;
  return ledgerAccount({ ...rest, entries: [{ amount: ledger, agoMs: postedAgoMs ?? 3_600_000 }] });
}
