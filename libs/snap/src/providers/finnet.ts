import { defineProvider } from './define-provider';

/**
 * Finnet merchant balance inquiry (../shared/seeds/003, PROTOCOL.md): `X-PARTNERID` and
 * `X-CHANNEL-ID` as the balance page spells them, base64 HMAC, a body of `partnerReferenceNo`
 * only (the credential set is the merchant), the merchant named in every answer (`name`).
 */
export default defineProvider({
  provider: 'finnet',
  displayName: 'Finnet',
  tokenPath: '/v1.0/access-token/b2b',
  balancePath: '/topup/v1.0/balance-inquiry-merchant',
  balanceSignedPath: '/topup/v1.0/balance-inquiry-merchant',
  method: 'POST',
  headers: { partnerId: 'X-PARTNERID', externalId: 'X-EXTERNAL-ID', channel: 'X-CHANNEL-ID' },
  // The general headers page also wants ORIGIN and Accept; set them per deployment if staging does.
  staticHeaders: {},
  sendClientSecret: false,
  signatureEncoding: 'base64',
  channel: { rule: 'configured' },
  externalIdLength: 36,
  balanceRequest: { partnerReferenceNo: '{reference}' },
  response: {
    balanceField: 'availableBalance',
    balanceType: null,
    providerTimeField: null,
    providerTimeUnit: 'ms',
    merchantNameField: 'name',
    sellerIdField: null,
  },
  accountIdentity: 'credential-set',
  statusFields: [],
  knownStatusValues: [],
  // PROTOCOL.md §3: Finpay's pages document a transaction-history-list for a user's e-money;
  // whether it serves a merchant's balance is not confirmed, so it is off (capabilities.history)
  // unless a deployment turns it on (SNAP_FINNET_PROFILE) and checks the event fields below.
  history: {
    path: '/v1.0/transaction-history-list',
    method: 'POST',
    serviceCode: '12',
    request: {
      partnerReferenceNo: '{reference}',
      fromDateTime: '{fromDateTime}',
      toDateTime: '{toDateTime}',
      pageSize: '{pageSize}',
      pageNumber: '{pageNumber}',
    },
    paging: { kind: 'page-number', firstPage: 1 },
    eventsField: 'detailData',
    jsonStringFields: [],
    event: {
      amountField: 'amount',
      timeField: 'dateTime',
      sideField: 'additionalInfo.side',
      debitValues: ['db', 'DEBIT', 'D'],
      creditValues: ['cr', 'CREDIT', 'C'],
      idField: 'referenceNo',
      typeField: 'type',
      statusField: 'status',
      settledStatusValues: ['SUCCESS', 'success'],
      runningBalanceField: null,
      duplicateField: null,
      cursorField: null,
      descriptionField: 'remark',
    },
    pageSize: 50,
    maxPagesPerAccount: 10,
  },
  capabilities: { accountStatus: false, history: false },
  defaultRateLimitPerSecond: 200,
});
