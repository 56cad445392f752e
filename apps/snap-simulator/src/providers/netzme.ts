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
    balanceSignedPath: '/api/v1.0/payment/balance-inquiry',
    accountInquiryPath: '/api/v1.0/account/registration-account-inquiry',
    accountInquirySignedPath: '/api/v1.0/account/registration-account-inquiry',
  },
  headers: { partnerId: 'X-PARTNER-ID', externalId: 'X-EXTERNAL-ID', channel: 'CHANNEL-ID' },
  // The examples carry 32 digits ("41807553358950093184162180797837").
  externalIdMaxLength: 32,
  // The published X-SIGNATURE is 128 lowercase hex characters (vectors.json symmetricHex).
  signatureEncoding: 'hex',
  channelRule: 'configured',
  // "Client's current local time in yyyy-MM-ddTHH:mm:ssTZD": any offset.
  timestampOffset: 'any',
  // Both pages list X-CLIENT-SECRET and the example request sends it.
  clientSecretHeader: true,
  mandatory: {
    balance: ['partnerReferenceNo', 'accountNo'],
    'account-inquiry': ['partnerReferenceNo', 'additionalInfo.custId'],
  },
  // "accountNo: contains customer id".
  balanceAccount: { field: 'accountNo' },
  mainBalanceType: 'Cash',
  defaultExtraBalances: [{ balanceType: 'Points', value: '0.00' }],
  unknownAccount: {
    balance: { httpStatus: 404, caseCode: '11', message: 'Invalid Account' },
    'account-inquiry': { httpStatus: 404, caseCode: '11', message: 'Invalid Account' },
  },
  // The balance page prints "Successfull" (sic), the account status page "Successful".
  successMessage: {
    token: 'Successful',
    balance: 'Successfull',
    'account-inquiry': 'Successful',
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
});
