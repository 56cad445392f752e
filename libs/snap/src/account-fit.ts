import { DEFAULT_PROFILES, ProviderProfile } from './profiles';

/** Why an account cannot be asked for as its provider's page allows. */
export interface AccountFitProblem {
  field: 'accountNo' | 'msId';
  value: string;
  reason: string;
}

/** Whether the provider's balance request names a seller (NICEPay `additionalInfo.msId`). */
export function knowsSellers(profile: ProviderProfile): boolean {
  return JSON.stringify(profile.balanceRequest).includes('"{msId}"');
}

function sellerProviders(): string[] {
  return Object.values(DEFAULT_PROFILES)
    .filter(knowsSellers)
    .map((p) => p.provider);
}

/**
 * What keeps an account's key from fitting its provider's balance request: a seller id where
 * the provider knows no sellers (the request would ask for the merchant's balance instead), or
 * an `accountNo` or `msId` longer than the provider's page allows (NICEPay: 10 and 20), which
 * the provider would refuse on every run. Found at import and before a call, not by the
 * provider. Null when it fits. An account number or seller id is not a secret.
 */
export function accountFitProblem(
  profile: ProviderProfile,
  account: { accountNo: string; msId?: string | null },
): AccountFitProblem | null {
  const { msId } = account;
  if (msId && !knowsSellers(profile)) {
    return {
      field: 'msId',
      value: msId,
      reason: `is a seller id, and ${profile.provider} knows no sellers: its balance request names none (providers with sellers: ${sellerProviders().join(', ')})`,
    };
  }
  const limits = profile.requestFieldMaxLength;
  const tooLong = (field: 'accountNo' | 'msId', value: string, max: number | null) =>
    max !== null && value.length > max
      ? {
          field,
          value,
          reason: `is ${value.length} characters; ${profile.provider}'s balance request allows at most ${max}`,
        }
      : null;
  // Where the credentials are the account (Finnet), the request carries no account number.
  const sendsAccountNo = JSON.stringify(profile.balanceRequest).includes('"{accountNo}"');
  return (
    (sendsAccountNo ? tooLong('accountNo', account.accountNo, limits.accountNo) : null) ??
    (msId ? tooLong('msId', msId, limits.msId) : null)
  );
}
