import type { ProviderName } from '@app/snap';
import type { ScenarioAccount, SimulatedAccount } from '../../apps/cli/src/demo/demo-scenario';

/**
 * A scenario account whose ledger holds one entry of `ledger` minor units, posted `postedAgoMs`
 * ago, and whose simulated provider answers as `simulated` says; expected `matched` unless the
 * test says otherwise (the e2e tests assert the outcome themselves).
 */
export function oneEntryAccount(account: {
  provider: ProviderName;
  accountNo: string;
  ledger: bigint;
  simulated: SimulatedAccount | Record<string, unknown>;
  merchantId?: string;
  credentialSet?: string | null;
  postedAgoMs?: number;
}): ScenarioAccount {
  const merchantId = account.merchantId ?? `M-${account.accountNo}`;
  return {
    merchantId,
    merchantName: `Merchant ${merchantId}`,
    provider: account.provider,
    accountNo: account.accountNo,
    credentialSet: account.credentialSet ?? null,
    ledger: [
      {
        entryRef: `${account.accountNo}-1`,
        amount: account.ledger,
        postedAt: new Date(Date.now() - (account.postedAgoMs ?? 3_600_000)),
      },
    ],
    simulated: account.simulated,
    kind: 'matched',
    expected: { status: 'matched', difference: 0n, attempts: 1 },
  } as ScenarioAccount;
}
