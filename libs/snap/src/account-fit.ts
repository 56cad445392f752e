import { DEFAULT_PROFILES, ProviderProfile } from './profiles';

/** Why an account cannot be asked for as its provider's page allows. */
export interface AccountFitProblem {
  field: 'accountNo' | 'msId' | 'expectedProviderName';
  value: string;
  reason: string;
}

/** Which account fields a profile's balance request template carries (read once per profile). */
const templateFields = new WeakMap<ProviderProfile, { accountNo: boolean; msId: boolean }>();

function requestFields(profile: ProviderProfile): { accountNo: boolean; msId: boolean } {
  let fields = templateFields.get(profile);
  if (!fields) {
    const template = JSON.stringify(profile.balanceRequest);
    fields = { accountNo: template.includes('"{accountNo}"'), msId: template.includes('"{msId}"') };
    templateFields.set(profile, fields);
  }
  return fields;
}

/** Whether the provider's balance request names a seller (NICEPay `additionalInfo.msId`). */
export function knowsSellers(profile: ProviderProfile): boolean {
  return requestFields(profile).msId;
}

function nameProviders(): string[] {
  return Object.values(DEFAULT_PROFILES)
    .filter((p) => p.response.merchantNameField !== null)
    .map((p) => p.provider);
}

function sellerProviders(): string[] {
  return Object.values(DEFAULT_PROFILES)
    .filter(knowsSellers)
    .map((p) => p.provider);
}

/**
 * What keeps an account from fitting its provider's balance request and answer: a seller id
 * where the provider knows no sellers (the request would ask for the merchant's balance
 * instead), an `accountNo` or `msId` longer than the provider's page allows (NICEPay: 10 and
 * 20), which the provider would refuse on every run, or a merchant name to expect where the
 * provider's answer names none (every result would be an error). Found at import and before
 * a call, not by the provider. Null when it fits; the first of {@link accountFitProblems}
 * otherwise. An account number or seller id is not a secret.
 */
export function accountFitProblem(
  profile: ProviderProfile,
  account: { accountNo: string; msId?: string | null; expectedProviderName?: string | null },
): AccountFitProblem | null {
  return accountFitProblems(profile, account)[0] ?? null;
}

/**
 * Every problem of {@link accountFitProblem}, one per field at most (a seller id where the
 * provider knows none is not also measured), so an import names them all at once. Empty when
 * the account fits.
 */
export function accountFitProblems(
  profile: ProviderProfile,
  account: { accountNo: string; msId?: string | null; expectedProviderName?: string | null },
): AccountFitProblem[] {
  const problems: AccountFitProblem[] = [];
  const { accountNo, msId, expectedProviderName } = account;
  if (expectedProviderName && profile.response.merchantNameField === null) {
    problems.push({
      field: 'expectedProviderName',
      value: expectedProviderName,
      reason: `is a merchant name to expect, and ${profile.provider}'s balance answer names no merchant (providers that do: ${nameProviders().join(', ')}): every result would be an error`,
    });
  }
  const sellerless = Boolean(msId) && !knowsSellers(profile);
  if (msId && sellerless) {
    problems.push({
      field: 'msId',
      value: msId,
      reason: `is a seller id, and ${profile.provider} knows no sellers: its balance request names none (providers with sellers: ${sellerProviders().join(', ')})`,
    });
  }
  const limits = profile.requestFieldMaxLength;
  // Where the credentials are the account (Finnet), the request carries no account number.
  if (limits.accountNo !== null && requestFields(profile).accountNo) {
    if (accountNo.length > limits.accountNo)
      problems.push(tooLong(profile, 'accountNo', accountNo, limits.accountNo));
  }
  if (msId && !sellerless && limits.msId !== null && msId.length > limits.msId) {
    problems.push(tooLong(profile, 'msId', msId, limits.msId));
  }
  return problems;
}

function tooLong(
  profile: ProviderProfile,
  field: AccountFitProblem['field'],
  value: string,
  max: number,
): AccountFitProblem {
  return {
    field,
    value,
    reason: `is ${value.length} characters; ${profile.provider}'s balance request allows at most ${max}`,
  };
}
