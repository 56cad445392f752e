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
  capabilities: { accountStatus: false, history: false },
  defaultRateLimitPerSecond: 200,
});
