import { defineProviderRules } from './rules';
import { accountInfosAnswer, INVALID_ACCOUNT } from './snap-standard';

/**
 * NICEPay Disbursement SNAP balance inquiry, from its page (seed 002) and PROTOCOL.md (paths:
 * the URL carries the `/nicepay` context prefix, the signature leaves it out, as the official
 * SDKs do). The answer has the page's fields: `accountNo`, `accountInfos[].availableBalance`
 * and, when the request named a seller, `additionalInfo.msId`.
 */
export const NICEPAY_RULES = defineProviderRules({
  name: 'nicepay',
  paths: {
    tokenPath: '/nicepay/v1.0/access-token/b2b',
    balancePath: '/nicepay/api/v1.0/balance-inquiry',
    balanceSignedPath: '/api/v1.0/balance-inquiry',
  },
  // X-PARTNER-ID String 20, X-EXTERNAL-ID String 40 numeric, CHANNEL-ID = client id + "01".
  externalIdMaxLength: 40,
  signatureEncoding: 'base64',
  channelRule: 'client-id-plus-01',
  // "Time must be in GMT+7 (Jakarta time)".
  timestampOffset: '+07:00',
  mandatory: { balance: ['accountNo'] },
  // The request table: "accountNo | String | 10", "msId | String | 20".
  balanceFieldMaxLength: { accountNo: 10, 'additionalInfo.msId': 20 },
  // "accountNo: Merchant identifier that is unique per each Merchant"; msId the seller under it.
  balanceAccount: { field: 'accountNo' },
  sellerField: 'additionalInfo.msId',
  // The page lists no codes; PROTOCOL.md §4: 404xx11 invalid account.
  unknownAccount: { balance: INVALID_ACCOUNT },
  balanceAnswer: (f) => {
    const msId = (f.request.additionalInfo as { msId?: unknown } | undefined)?.msId;
    return {
      accountNo: f.accountNo,
      accountInfos: accountInfosAnswer(f.accountInfos, 'availableBalance'),
      ...(msId !== undefined ? { additionalInfo: { msId } } : {}),
    };
  },
});
