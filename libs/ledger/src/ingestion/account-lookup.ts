import { AccountKey, accountKeyText } from '../account-key';
import * as accountsRepository from '../repositories/accounts.repository';
import type { Db } from '../repositories/row-mapping';

/**
 * Resolves account keys to `provider_accounts.id` in one query. The map is keyed by
 * {@link accountKeyText}; keys without an account are absent.
 */
export async function findAccountIds(
  db: Db,
  keys: readonly AccountKey[],
): Promise<Map<string, string>> {
  const unique = new Map(keys.map((k) => [accountKeyText(k), k]));
  const found = new Map<string, string>();
  if (unique.size === 0) return found;
  for (const r of await accountsRepository.findIdsByKeys(db, [...unique.values()]))
    found.set(accountKeyText(r), r.id);
  return found;
}
