import { defineProviderRules } from './rules';
import { accountInfosAnswer } from './snap-standard';

/**
 * Finnet merchant balance inquiry, from its page (seed 003) and PROTOCOL.md (token path, not
 * on the page). The request names no merchant: the credential set is the merchant. The answer
 * has the page's fields: `referenceNo` (String 8), `partnerReferenceNo`, `name` (the merchant
 * name, mandatory) and `accountInfos`; an unknown merchant is `4041108` "Invalid merchant",
 * from the page's response-code table.
 */
export const FINNET_RULES = defineProviderRules({
  name: 'finnet',
  paths: {
    tokenPath: '/v1.0/access-token/b2b',
    balancePath: '/topup/v1.0/balance-inquiry-merchant',
  },
  // X-PARTNERID String(36), X-EXTERNAL-ID String(36), X-CHANNEL-ID String(5).
  headers: { partnerId: 'X-PARTNERID', externalId: 'X-EXTERNAL-ID', channel: 'X-CHANNEL-ID' },
  externalIdMaxLength: 36,
  // "base64(HMAC_SHA512($ClientSecret, stringToSign))".
  signatureEncoding: 'base64',
  channelRule: 'configured',
  // "RFC3339 format: yyyy-MM-ddTHH:mm:ssTZD".
  timestampOffset: 'any',
  mandatory: { balance: ['partnerReferenceNo'] },
  // "partnerReferenceNo | String (64)".
  balanceFieldMaxLength: { partnerReferenceNo: 64 },
  balanceAccount: 'partner',
  unknownAccount: { balance: { httpStatus: 404, caseCode: '08', message: 'Invalid merchant' } },
  balanceAnswer: (f) => ({
    referenceNo: f.referenceNo(8),
    partnerReferenceNo: f.request.partnerReferenceNo,
    name: f.name,
    accountInfos: accountInfosAnswer(f.accountInfos, 'availableBalance'),
  }),
});
