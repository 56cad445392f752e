import { defineProvider } from './define-provider';

/**
 * NICEPay Disbursement SNAP balance inquiry (../shared/seeds/002, PROTOCOL.md): the URL carries
 * the `/nicepay` context prefix the signed path leaves out, base64 HMAC, CHANNEL-ID = client id
 * + "01", the merchant id as `accountNo` and a seller's `additionalInfo.msId`, echoed back.
 * Everything else is the SNAP standard (`snapStandard()` in define-provider.ts).
 */
export default defineProvider({
  provider: 'nicepay',
  displayName: 'NICEPay',
  tokenPath: '/nicepay/v1.0/access-token/b2b',
  balancePath: '/nicepay/api/v1.0/balance-inquiry',
  // Signed as `/api/v1.0/balance-inquiry` (PROTOCOL.md §2, the official SDKs): the prefix, not
  // a second path, so a deployment's other URL path (`SNAP_NICEPAY_BALANCE_PATH`) is signed
  // without it too.
  unsignedUrlPrefix: '/nicepay',
  channel: { rule: 'client-id-plus', suffix: '01' },
  // "X-PARTNER-ID | String | 20 | Mandatory | Unique Partner ID, Partner ID = Client ID".
  partnerIdIsClientId: true,
  // "X-PARTNER-ID | String | 20", "CHANNEL-ID | String | 20" (so a client id of 18 at most).
  headerMaxLength: { partnerId: 20, channel: 20 },
  externalIdLength: 40,
  // The request table: "accountNo | String | 10 | Mandatory", "msId | String | 20 | Conditional".
  requestFieldMaxLength: { accountNo: 10, msId: 20 },
  balanceRequest: { accountNo: '{accountNo}', additionalInfo: { msId: '{msId}' } },
  // The response table: "additionalInfo | Object | Variable | Optional", "msId | String | 20 |
  // Optional": an answer may leave the seller id out; one naming another seller is a breach.
  // "accountNo | String | 10 | Mandatory | Merchant identifier that is unique per each merchant":
  // an answer for another account number, or for none, is never compared with this ledger.
  response: {
    accountNoField: 'accountNo',
    accountNoEcho: 'required',
    sellerIdField: 'additionalInfo.msId',
    sellerIdEcho: 'if-present',
  },
  // No history endpoint is documented for NICEPay's disbursement balance (PROTOCOL.md section 3).
  history: null,
  defaultRateLimitPerSecond: 200,
});
