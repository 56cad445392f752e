import { defineProvider } from './define-provider';

/**
 * Midtrans Payouts (Iris) SNAP balance inquiry: facts and sources in
 * docs/providers/midtrans.md. The balance is `accountInfos[].amount` (not `availableBalance`)
 * and several entries come back (`payin`, `iris`, `unified`): the Payouts one is reconciled.
 * Everything else is the SNAP standard (`snapStandard()` in define-provider.ts).
 */
export default defineProvider({
  provider: 'midtrans',
  displayName: 'Midtrans',
  balancePath: '/v1.0/balance-inquiry',
  // Not confirmed by the stored pages: SNAP's base64 (SNAP_MIDTRANS_SIGNATURE_ENCODING overrides).
  signatureEncoding: 'base64',
  balanceRequest: { accountNo: '{accountNo}' },
  response: { balanceField: 'amount', balanceType: 'iris' },
  defaultRateLimitPerSecond: 100,
});
