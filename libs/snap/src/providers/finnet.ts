import { defineProvider } from './define-provider';

/**
 * Finnet merchant balance inquiry (../shared/seeds/003, PROTOCOL.md): `X-PARTNERID` and
 * `X-CHANNEL-ID` as the balance page spells them, base64 HMAC, a body of `partnerReferenceNo`
 * only (the credential set is the merchant), the merchant named in every answer (`name`).
 * Everything else is the SNAP standard (`snapStandard()` in define-provider.ts).
 */
export default defineProvider({
  provider: 'finnet',
  displayName: 'Finnet',
  balancePath: '/topup/v1.0/balance-inquiry-merchant',
  headers: { partnerId: 'X-PARTNERID', externalId: 'X-EXTERNAL-ID', channel: 'X-CHANNEL-ID' },
  // The balance page's Sample Request sends `--header 'Accept: application/json'`. The general
  // headers page also wants ORIGIN (a per-deployment value): set it if staging does.
  staticHeaders: { Accept: 'application/json' },
  // "X-PARTNERID | String (36) | M | Client ID provided by Finnet".
  partnerIdIsClientId: true,
  // "X-PARTNERID | String (36)", "X-CHANNEL-ID | String (5)".
  headerMaxLength: { partnerId: 36, channel: 5 },
  balanceRequest: { partnerReferenceNo: '{reference}' },
  // The response table: "name | String | M | Merchant name".
  response: { merchantNameField: 'name', merchantNameRequired: true },
  accountIdentity: 'credential-set',
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
  defaultRateLimitPerSecond: 200,
});
