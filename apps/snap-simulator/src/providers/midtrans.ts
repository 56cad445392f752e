import { defineProviderRules } from './rules';
import { accountInfosAnswer, INVALID_ACCOUNT } from './snap-standard';

/** Minor units of a `"10000.00"` amount (the simulator's seeds are checked to that form). */
const minor = (value: string): bigint => BigInt(value.replace('.', ''));

/** `"10000.00"` from minor units. */
const amountText = (units: bigint): string => {
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
};

/** The order Midtrans's table lists its balance types in. */
const TYPE_ORDER = ['payin', 'iris', 'unified'];

/**
 * Midtrans Payouts (Iris) SNAP balance inquiry, from docs/providers/midtrans.md (Midtrans's
 * balance-inquiry, access-token and signature pages). Its answer differs from the other
 * providers': every `accountInfos` entry has a `balanceType` (`payin`, `iris`, `unified`) and
 * its money under `amount`, not `availableBalance`. An account's balance is its `iris` entry;
 * `payin` is 0.00 unless the account says otherwise, and `unified` is payin + iris (the
 * document's example: 10000.00 + 25000.00 = 35000.00).
 */
export const MIDTRANS_RULES = defineProviderRules({
  name: 'midtrans',
  paths: {
    // The same token path as Finnet's: the simulator tells them apart by X-CLIENT-KEY.
    tokenPath: '/v1.0/access-token/b2b',
    balancePath: '/v1.0/balance-inquiry',
  },
  // "X-EXTERNAL-ID String(max 36), numeric".
  externalIdMaxLength: 36,
  // Not confirmed by the stored pages; the SNAP standard (and Midtrans's own signature demo
  // in vectors.json) is base64.
  signatureEncoding: 'base64',
  // CHANNEL-ID: "Static value given by Midtrans".
  channelRule: 'configured',
  // X-TIMESTAMP String(25) `yyyy-MM-ddTHH:mm:ssTZD`.
  timestampOffset: 'any',
  // One body field: accountNo (String 32; "0000000000" for an aggregator).
  mandatory: { balance: ['accountNo'] },
  balanceAccount: { field: 'accountNo' },
  mainBalanceType: 'iris',
  defaultExtraBalances: [{ balanceType: 'payin', value: '0.00' }],
  // No table on the stored page; PROTOCOL.md §4: an unknown account is 404xx11.
  unknownAccount: { balance: INVALID_ACCOUNT },
  balanceAnswer: (f) => {
    const entries = [...f.accountInfos];
    if (!entries.some((e) => e.balanceType === 'unified')) {
      const sum = entries
        .filter((e) => e.balanceType === 'payin' || e.balanceType === 'iris')
        .reduce((total, e) => total + minor(e.value), 0n);
      entries.push({
        balanceType: 'unified',
        value: amountText(sum),
        currency: entries[0].currency,
      });
    }
    const rank = (t?: string) => {
      const i = TYPE_ORDER.indexOf(t ?? '');
      return i < 0 ? TYPE_ORDER.length : i;
    };
    entries.sort((a, b) => rank(a.balanceType) - rank(b.balanceType));
    return { accountInfos: accountInfosAnswer(entries, 'amount') };
  },
});
