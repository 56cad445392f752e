import { redactSecretValues } from '@app/snap';
import { AccountResult, accountResult } from './account-result';

/**
 * The result without any remembered secret value in the texts a provider gave: the error
 * message, the merchant name and reference, the account-status values and the attribution's strings. A
 * provider may quote a secret as data (a name, a status, a history reference), and a result is
 * what reports, CSVs, pages and alerts show. Returns `r` itself when nothing changes.
 */
export function withoutSecrets(r: AccountResult): AccountResult {
  const errorMessage = r.errorMessage && redactSecretValues(r.errorMessage);
  const providerName = r.providerName && redactSecretValues(r.providerName);
  const providerReference = r.providerReference && redactSecretValues(r.providerReference);
  const providerStatus =
    r.providerStatus && (redactJson(r.providerStatus) as typeof r.providerStatus);
  const attribution = r.attribution && (redactJson(r.attribution) as object);
  if (
    errorMessage === r.errorMessage &&
    providerName === r.providerName &&
    providerReference === r.providerReference &&
    providerStatus === r.providerStatus &&
    attribution === r.attribution
  ) {
    return r;
  }
  return Object.assign(accountResult(r), {
    errorMessage,
    providerName,
    providerReference,
    providerStatus,
    attribution,
  });
}

/** Every string in a JSON-like value redacted; the same value (not a copy) when none changes. */
function redactJson(value: unknown): unknown {
  if (typeof value === 'string') return redactSecretValues(value);
  if (Array.isArray(value)) {
    const items = value.map(redactJson);
    return items.every((v, i) => v === value[i]) ? value : items;
  }
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value).map(([k, v]) => [k, redactJson(v)] as const);
    const changed = entries.some(([k, v]) => v !== (value as Record<string, unknown>)[k]);
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}
