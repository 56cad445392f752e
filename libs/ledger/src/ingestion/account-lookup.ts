import * as accountsRepository from '../repositories/accounts.repository';
import type { AccountKey } from '../repositories/accounts.repository';
import type { Db } from '../repositories/row-mapping';

export type { AccountKey };

/** `netzme/acc-001`: the map key and the way errors name an account. */
export function accountKeyText(provider: string, accountNo: string): string {
  return `${provider}/${accountNo}`;
}

/**
 * Resolves `(provider, account_no)` pairs to `provider_accounts.id` in one query.
 * The map is keyed by {@link accountKeyText}; pairs without an account are absent.
 */
export async function findAccountIds(
  db: Db,
  keys: readonly AccountKey[],
): Promise<Map<string, string>> {
  const unique = new Map(keys.map((k) => [accountKeyText(k.provider, k.accountNo), k]));
  const found = new Map<string, string>();
  if (unique.size === 0) return found;
  const pairs = [...unique.values()];
  for (const r of await accountsRepository.findIdsByKeys(db, pairs))
    found.set(accountKeyText(r.provider, r.accountNo), r.id);
  return found;
}
