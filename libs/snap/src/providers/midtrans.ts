import { defineProvider } from './define-provider';

/**
 * Midtrans Payouts (Iris) SNAP balance inquiry: facts and sources in
 * docs/providers/midtrans.md. The balance is `accountInfos[].amount` (not `availableBalance`)
 * and several entries come back (`payin`, `iris`, `unified`): the Payouts one is reconciled.
 */
export default defineProvider({
  provider: 'midtrans',
  displayName: 'Midtrans',
  tokenPath: '/v1.0/access-token/b2b',
  balancePath: '/v1.0/balance-inquiry',
  balanceSignedPath: '/v1.0/balance-inquiry',
  method: 'POST',
  headers: { partnerId: 'X-PARTNER-ID', externalId: 'X-EXTERNAL-ID', channel: 'CHANNEL-ID' },
  staticHeaders: {},
  sendClientSecret: false,
  // Not confirmed by the stored pages: SNAP's base64 (SNAP_MIDTRANS_SIGNATURE_ENCODING overrides).
  signatureEncoding: 'base64',
  channel: { rule: 'configured' },
  externalIdLength: 36,
  balanceRequest: { accountNo: '{accountNo}' },
  response: {
    balanceField: 'amount',
    balanceType: 'iris',
    providerTimeField: null,
    providerTimeUnit: 'ms',
    merchantNameField: null,
    sellerIdField: null,
  },
  accountIdentity: 'account-number',
  statusFields: [],
  knownStatusValues: [],
  history: null,
  capabilities: { accountStatus: false, history: false },
  defaultRateLimitPerSecond: 100,
});
