import { formatAmount, ProviderName } from '@app/snap';
import type { ResultStatus } from '@app/reconciliation';
import { seeded } from './seeded-random';

/** What the simulator is told about one account (the simulator's account spec, minus ids). */
export interface SimulatedAccount {
  balance?: string;
  balances?: string[];
  /** Netzme's `additionalInfo.status` ("Status request"). */
  status?: string;
  /** Netzme's `additionalInfo.userStatus` ("Account status"). */
  userStatus?: string;
  faults?: { kind: string; times?: number; responseCode?: string }[];
  /** The provider's transaction history (the simulator's `history` scenario, issue 15). */
  history?: { opening?: string; events: Record<string, unknown>[] };
  historyFaults?: { kind: string; times?: number }[];
  /** How far the provider's own clock is from ours, in ms (negative: behind). */
  providerTimeOffsetMs?: number;
}

/** One demo account: its ledger, what the provider will say, and what the run must find. */
export interface ScenarioAccount {
  merchantId: string;
  merchantName: string;
  provider: ProviderName;
  accountNo: string;
  /** A NICEPay seller under the merchant `accountNo`: an account of its own. */
  msId?: string;
  /** Named credential set (Finnet: one per merchant, named after its client id). */
  credentialSet: string | null;
  ledger: { entryRef: string; amount: bigint; postedAt: Date; providerRef?: string | null }[];
  simulated: SimulatedAccount;
  kind: ScenarioKind;
  expected: { status: ResultStatus; difference: bigint | null; attempts: number };
}

export type ScenarioKind =
  | 'matched'
  | 'real-break'
  | 'in-flight-settles'
  | 'in-flight-stuck'
  | 'transient-then-ok'
  | 'rate-limited-then-ok'
  | 'token-revoked'
  | 'permanent-failure'
  | 'contract-breach'
  | 'inactive';

const PROVIDER_CYCLE: ProviderName[] = ['netzme', 'nicepay', 'finnet'];
const TRANSIENT_FAULTS = ['500', '504', 'read-timeout', 'connection-reset', 'non-json', '202'];
const RATE_FAULTS = ['429', '403xx04'];
const PERMANENT_FAULTS = ['unknown-account', '400xx01'];
const BREACH_FAULTS = ['no-balance', 'bad-amount', 'wrong-currency', 'no-code'];
/** Kinds by position in a cycle of 20 accounts: mostly matched, every case present. */
const KIND_CYCLE: ScenarioKind[] = [
  'matched',
  'real-break',
  'in-flight-settles',
  'matched',
  'transient-then-ok',
  'matched',
  'in-flight-stuck',
  'matched',
  'permanent-failure',
  'rate-limited-then-ok',
  'matched',
  'token-revoked',
  'matched',
  'contract-breach',
  'matched',
  'real-break',
  'matched',
  'transient-then-ok',
  'in-flight-settles',
  'matched',
];

/**
 * `count` accounts across the three providers with ledger histories over the past days and
 * every kind of outcome: matches, real breaks, money in flight that settles or does not,
 * transient faults, rate limits, a revoked token, permanent failures, contract breaches, and
 * one inactive Netzme account. In-flight entries are posted `inFlightAgeMs` before `now`.
 */
export function buildScenario(
  count: number,
  now: Date,
  { inFlightAgeMs = 20_000, seed = 42 } = {},
): ScenarioAccount[] {
  const random = seeded(seed);
  const accounts: ScenarioAccount[] = [];
  const seen = new Map<ScenarioKind, number>();
  for (let i = 0; i < count; i++) {
    let kind = KIND_CYCLE[Math.floor(i / 3) % KIND_CYCLE.length];
    if (i === 3) kind = 'inactive'; // i = 3 is a Netzme account
    // The fourth provider (Midtrans) takes every 8th account that matches or breaks for real.
    const provider =
      i % 8 === 7 && (kind === 'matched' || kind === 'real-break')
        ? 'midtrans'
        : PROVIDER_CYCLE[i % 3];
    const n = String(i + 1).padStart(5, '0');
    const merchantId = `M${n}`;
    const accountNo =
      provider === 'finnet'
        ? `FNT${n}`
        : provider === 'nicepay'
          ? `NP${n}`
          : provider === 'midtrans'
            ? `MT${n}`
            : `NZ${n}`;
    const ledger: ScenarioAccount['ledger'] = [];
    let balance = 0n;
    const historyLength = 3 + (i % 5);
    for (let k = 0; k < historyLength; k++) {
      const amount =
        k === 0
          ? 5_000_000n + BigInt(Math.floor(random() * 100_000_000))
          : -BigInt(Math.floor(random() * 500_000));
      balance += amount;
      ledger.push({
        entryRef: `${merchantId}-${k + 1}`,
        amount,
        postedAt: new Date(now.getTime() - (historyLength - k) * 3_600_000),
      });
    }
    const settled = balance;
    // Accounts of one kind come in threes (one per provider); each three gets the next fault.
    const nth = seen.get(kind) ?? 0;
    seen.set(kind, nth + 1);
    const fault = (list: string[]) => list[Math.floor(nth / 3) % list.length];
    let simulated: SimulatedAccount = { balance: formatAmount(settled) };
    let expected: ScenarioAccount['expected'] = { status: 'matched', difference: 0n, attempts: 1 };
    switch (kind) {
      case 'real-break': {
        const delta = (random() < 0.5 ? -1n : 1n) * (1n + BigInt(Math.floor(random() * 1_000_000)));
        simulated = { balance: formatAmount(settled + delta) };
        if (provider === 'netzme')
          simulated.history = explainableHistory(merchantId, ledger, delta, now);
        expected = { status: 'mismatched', difference: delta, attempts: 1 };
        break;
      }
      case 'in-flight-settles':
      case 'in-flight-stuck': {
        const debit = -(10_000n + BigInt(Math.floor(random() * 90_000)));
        ledger.push({
          entryRef: `${merchantId}-inflight`,
          amount: debit,
          postedAt: new Date(now.getTime() - inFlightAgeMs),
        });
        balance += debit;
        simulated =
          kind === 'in-flight-settles'
            ? { balances: [formatAmount(settled), formatAmount(balance)] }
            : { balance: formatAmount(settled) };
        // The provider's history holds what it booked: every entry but the one it never got,
        // so the break's page names that entry (not every entry, as with no history at all).
        if (provider === 'netzme' && kind === 'in-flight-stuck') {
          simulated.history = providerHistory(merchantId, ledger.slice(0, -1));
        }
        expected =
          kind === 'in-flight-settles'
            ? { status: 'matched', difference: 0n, attempts: 1 }
            : { status: 'mismatched', difference: -debit, attempts: 1 };
        break;
      }
      case 'transient-then-ok':
        simulated.faults = [{ kind: fault(TRANSIENT_FAULTS), times: 1 }];
        expected.attempts = 2;
        break;
      case 'rate-limited-then-ok':
        simulated.faults = [{ kind: fault(RATE_FAULTS), times: 1 }];
        break;
      case 'token-revoked':
        // Finnet tokens belong to one merchant, so revoking one touches no other account; on the
        // shared Netzme and NICEPay tokens the call's token is rejected without revoking it, so a
        // revocation never races another account's refresh and the expected attempts stay exact.
        simulated.faults = [
          { kind: provider === 'finnet' ? 'token-revoked' : 'token-rejected', times: 1 },
        ];
        break;
      case 'permanent-failure':
        simulated.faults = [{ kind: fault(PERMANENT_FAULTS) }];
        expected = { status: 'error', difference: null, attempts: 1 };
        break;
      case 'contract-breach':
        simulated.faults = [{ kind: fault(BREACH_FAULTS) }];
        expected = { status: 'error', difference: null, attempts: 1 };
        break;
      case 'inactive': {
        simulated = { balance: formatAmount(0n), userStatus: 'blocked' };
        // Its history: the entries it booked, then the whole balance withdrawn when it was
        // blocked, which the ledger never booked (the break's page names that withdrawal).
        simulated.history = explainableHistory(merchantId, ledger, -settled, now, 'withdrawal');
        expected = { status: 'inactive', difference: -settled, attempts: 1 };
        break;
      }
      case 'matched':
        break;
    }
    // The Get Account Status page's example of an ordinary account.
    if (provider === 'netzme') simulated.status ??= 'approved_v2';
    accounts.push({
      merchantId,
      merchantName: `Toko Demo ${n}`,
      provider,
      accountNo,
      credentialSet: provider === 'finnet' ? accountNo : null,
      ledger,
      simulated,
      kind,
      expected,
    });
  }
  return accounts;
}

/**
 * A Netzme break the provider's history explains (issue 15): every ledger entry appears as an
 * event, and one movement half an hour ago, a credit or a fee (or `type`), that the ledger never
 * booked: the demo's page shows it explained.
 */
function explainableHistory(
  merchantId: string,
  ledger: ScenarioAccount['ledger'],
  delta: bigint,
  now: Date,
  type = delta < 0n ? 'fee' : 'payment_bill',
): NonNullable<SimulatedAccount['history']> {
  const history = providerHistory(merchantId, ledger);
  history.events.push({
    amount: magnitude(delta),
    side: delta < 0n ? 'db' : 'cr',
    type,
    trxId: `${merchantId}-TRX-UNBOOKED`,
    at: new Date(now.getTime() - 30 * 60_000).toISOString(),
  });
  return history;
}

const magnitude = (v: bigint) => formatAmount(v < 0n ? -v : v);

/**
 * A Netzme history of the ledger entries the provider booked, each an event at its time (the
 * first ones carry the id the ledger knows them by).
 */
function providerHistory(
  merchantId: string,
  booked: ScenarioAccount['ledger'],
): NonNullable<SimulatedAccount['history']> {
  booked.forEach((e, k) => {
    if (k < 2) e.providerRef = `${merchantId}-TRX-${k + 1}`;
  });
  return {
    opening: '0.00',
    events: booked.map((e, k) => ({
      amount: magnitude(e.amount),
      side: e.amount < 0n ? 'db' : 'cr',
      trxId: `${merchantId}-TRX-${k + 1}`,
      at: e.postedAt.toISOString(),
    })),
  };
}
