/**
 * The natural key of a provider account. `msId` names a seller under the merchant `accountNo`
 * (NICEPay's balance inquiry: `accountNo` "unique per each Merchant", `additionalInfo.msId`
 * the seller); absent or null, the key is the merchant's own account. A seller and its
 * merchant, and two sellers of one merchant, are different accounts with their own ledgers.
 */
export interface AccountKey {
  provider: string;
  accountNo: string;
  msId?: string | null;
}

/**
 * `netzme/acc-001`, or `nicepay/IONPAYTEST/seller-7` for a seller: the map key and the way
 * errors name an account (ids never hold `/`, so the text is unambiguous).
 */
export function accountKeyText(key: AccountKey): string {
  return key.msId
    ? `${key.provider}/${key.accountNo}/${key.msId}`
    : `${key.provider}/${key.accountNo}`;
}
