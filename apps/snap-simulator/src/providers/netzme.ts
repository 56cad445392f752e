import { formatMinor } from '../history-scenario';
import { defineProviderRules } from './rules';

/**
 * Netzme vSNAP, from its Get Balance and Get Account Status pages (seeds 000 and 001) and
 * PROTOCOL.md (token path). The answers repeat the pages' example responses field for field:
 * `additionalInfo.ts` is a string of epoch ms with `type: "get_aggregator_balance"`, Cash and
 * Points balances, and the account status example (`premium` / `regular` / `approved_v2`) is
 * what a known account answers unless it is told otherwise.
 */
export const NETZME_RULES = defineProviderRules({
  name: 'netzme',
  paths: {
    tokenPath: '/api/v1/access-token/b2b',
    balancePath: '/api/v1.0/payment/balance-inquiry',
    accountInquiryPath: '/api/v1.0/account/registration-account-inquiry',
    accountInquirySignedPath: '/api/v1.0/account/registration-account-inquiry',
    historyPath: '/api/v1.0/transaction/history-list',
    historySignedPath: '/api/v1.0/transaction/history-list',
  },
  // The examples carry 32 digits ("41807553358950093184162180797837").
  externalIdMaxLength: 32,
  // The published X-SIGNATURE is 128 lowercase hex characters (vectors.json symmetricHex).
  signatureEncoding: 'hex',
  channelRule: 'configured',
  // "Client's current local time in yyyy-MM-ddTHH:mm:ssTZD": any offset.
  timestampOffset: 'any',
  // Both pages list X-CLIENT-SECRET and the example request sends it.
  clientSecretHeader: true,
  // The Get Balance curl: `Authorization: eyJhbGci…`; the Get Account Status curl:
  // `Authorization: Bearer eyJhbGci…`. History (on no page): PROTOCOL.md's Bearer.
  authorization: { balance: 'bare' },
  mandatory: {
    balance: ['partnerReferenceNo', 'accountNo'],
    'account-inquiry': ['partnerReferenceNo', 'additionalInfo.custId'],
    history: ['partnerReferenceNo', 'additionalInfo.custId'],
  },
  // "accountNo: contains customer id".
  balanceAccount: { field: 'accountNo' },
  mainBalanceType: 'Cash',
  defaultExtraBalances: [{ balanceType: 'Points', value: '0.00' }],
  unknownAccount: {
    balance: { httpStatus: 404, caseCode: '11', message: 'Invalid Account' },
    'account-inquiry': { httpStatus: 404, caseCode: '11', message: 'Invalid Account' },
    history: { httpStatus: 404, caseCode: '11', message: 'Invalid Account' },
  },
  // The balance page prints "Successfull" (sic), the account status page "Successful".
  successMessage: {
    token: 'Successful',
    balance: 'Successfull',
    'account-inquiry': 'Successful',
    history: 'Successful',
  },
  balanceAnswer: (f) => ({
    partnerReferenceNo: f.request.partnerReferenceNo,
    accountInfos: f.accountInfos.map((i) => ({
      balanceType: i.balanceType,
      availableBalance: { value: i.value, currency: i.currency },
    })),
    additionalInfo: {
      ts: String(
        f.providerTimeUnit === 's' ? Math.floor(f.providerTimeMs / 1000) : f.providerTimeMs,
      ),
      type: 'get_aggregator_balance',
    },
  }),
  accountInquiryAnswer: (f) => ({
    partnerReferenceNo: f.request.partnerReferenceNo,
    referenceNo: f.referenceNo(),
    additionalInfo: {
      userStatus: f.userStatus,
      userType: f.userType,
      status: f.status,
      benefits: f.benefits,
    },
  }),
  // PROTOCOL.md §3: history-list pages by the `additionalInfo.seqId` cursor (0: newest);
  // each `detailData[]` entry carries `additionalInfo.details` as a JSON *string* with the
  // side (db/cr), trxId, billId, description and the running balance as "IDR 1343486.00".
  history: {
    accountField: 'additionalInfo.custId',
    cursorField: 'additionalInfo.seqId',
    pageSizeField: 'pageSize',
    defaultPageSize: 20,
    maxPageSize: 100,
    answer: (f) => ({
      partnerReferenceNo: f.request.partnerReferenceNo,
      detailData: f.events.map((e) => ({
        amount: { value: formatMinor(e.amount), currency: f.currency },
        dateTime: jakartaTime(e.timeMs),
        type: e.type,
        status: e.status,
        additionalInfo: {
          seq: e.seq,
          msgId: e.msgId,
          duplicateEvent: e.duplicateEvent,
          details: JSON.stringify({
            side: e.side,
            trxId: e.trxId,
            billId: e.billId,
            description: e.description,
            balance: `${f.currency} ${formatMinor(e.balance)}`,
          }),
        },
      })),
      additionalInfo: { ts: String(f.providerTimeMs) },
    }),
  },
});

/** `2022-11-09T15:43:57+07:00`: the page's dateTime form, in Jakarta time. */
function jakartaTime(ms: number): string {
  return `${new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`;
}
