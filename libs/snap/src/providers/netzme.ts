import { defineProvider } from './define-provider';

/**
 * Netzme vSNAP, from its Get Balance and Get Account Status pages (../shared/seeds/000, 001)
 * and PROTOCOL.md: token path `v1` (not `v1.0`), lowercase hex HMAC, a configured CHANNEL-ID,
 * Cash and Points balances, the provider time in `additionalInfo.ts` (epoch ms, a string).
 * Everything else is the SNAP standard (`snapStandard()` in define-provider.ts).
 */
export default defineProvider({
  provider: 'netzme',
  displayName: 'Netzme',
  tokenPath: '/api/v1/access-token/b2b',
  balancePath: '/api/v1.0/payment/balance-inquiry',
  accountStatusPath: '/api/v1.0/account/registration-account-inquiry',
  // Both pages list X-CLIENT-SECRET in their header tables and both example requests send it
  // (and the Get Account Status example's X-SIGNATURE is keyed with that same value): the pages
  // win over PROTOCOL.md §2, which would keep it off. SNAP_NETZME_PROFILE='{"sendClientSecret":false}'
  // turns it off where Netzme confirms it is not needed. It is never logged.
  sendClientSecret: true,
  // The Get Balance curl sends `Authorization: eyJhbGci…` (the bare token), the Get Account
  // Status curl `Authorization: Bearer eyJhbGci…`: each operation as its own page shows it
  // (history, on no page: PROTOCOL.md's `Bearer`). The signature covers the bare token either way.
  authorizationSchemeByOperation: { 'balance-inquiry': 'none' },
  signatureEncoding: 'hex',
  // Both pages' header tables: "X-PARTNER-ID | Client id e.g NetmeClientId".
  partnerIdIsClientId: true,
  externalIdLength: 32,
  balanceRequest: { partnerReferenceNo: '{reference}', accountNo: '{accountNo}' },
  response: {
    balanceType: 'Cash',
    providerTimeField: 'additionalInfo.ts',
    providerTimeUnit: 'ms',
    // Neither Netzme page's answer names the merchant: nothing to read, nothing to check.
    merchantNameField: null,
  },
  // The Get Account Status table: `userStatus | String | Account status` is the account's
  // state; `status | String | Status request` is a request's (recorded, never judged).
  statusFields: ['additionalInfo.userStatus'],
  statusInfoFields: ['additionalInfo.status'],
  // The Get Account Status page's example of an ordinary account.
  knownStatusValues: ['premium', 'regular', 'approved_v2'],
  history: {
    // PROTOCOL.md §3: Netzme's history-list, service code 12, paged by a seqId cursor (0: newest).
    path: '/api/v1.0/transaction/history-list',
    method: 'POST',
    serviceCode: '12',
    request: {
      partnerReferenceNo: '{reference}',
      pageSize: '{pageSize}',
      additionalInfo: {
        seqId: '{cursor}',
        custId: '{accountNo}',
        type: 'aggregator_transaction_history',
      },
    },
    paging: { kind: 'cursor', firstCursor: '0' },
    eventsField: 'detailData',
    // `details` is a JSON string holding side, trxId, billId, description and balance.
    jsonStringFields: ['additionalInfo.details'],
    event: {
      amountField: 'amount',
      timeField: 'dateTime',
      sideField: 'additionalInfo.details.side',
      debitValues: ['db'],
      creditValues: ['cr'],
      idField: 'additionalInfo.details.trxId',
      typeField: 'type',
      statusField: 'status',
      settledStatusValues: ['success'],
      runningBalanceField: 'additionalInfo.details.balance',
      duplicateField: 'additionalInfo.duplicateEvent',
      cursorField: 'additionalInfo.seq',
      descriptionField: 'additionalInfo.details.description',
    },
    pageSize: 50,
    maxPagesPerAccount: 10,
  },
  capabilities: { accountStatus: true, history: true },
  defaultRateLimitPerSecond: 200,
});
