import { AccountKey, accountKeyText } from '../account-key';
import * as accountsRepository from '../repositories/accounts.repository';
import type { Db } from '../repositories/row-mapping';

/**
 * Why each of `keys` (accounts found missing) names no account, by {@link accountKeyText}:
 * a merchant key whose account number has only sellers says so and lists them, so a feed
 * that forgot the seller id learns which to name.
 */
export async function unknownAccountReasons(
  db: Db,
  keys: readonly AccountKey[],
  sellerField: string,
): Promise<Map<string, string>> {
  const sellers = await merchantSellers(db, keys);
  return new Map(
    keys.map((k) => {
      const key = accountKeyText(k);
      const sample = k.msId ? undefined : sellers.get(key);
      return [
        key,
        sample
          ? `no provider account ${key} of the merchant itself; its sellers are ${accountsRepository.sellerList(sample)}: name one in ${sellerField}`
          : `no provider account ${key}`,
      ];
    }),
  );
}

/**
 * For each merchant key of `keys` (no `msId`) whose account number has sellers, by
 * {@link accountKeyText}: `account number X has sellers S1, S2: name one in msId`, the hint
 * of a refusal that names no seller (keys with an `msId`, or without sellers, are absent).
 */
export async function sellerHints(
  db: Db,
  keys: readonly AccountKey[],
  sellerField: string,
): Promise<Map<string, string>> {
  const hints = new Map<string, string>();
  const sellers = await merchantSellers(db, keys);
  for (const k of keys) {
    const sample = k.msId ? undefined : sellers.get(accountKeyText(k));
    if (sample)
      hints.set(
        accountKeyText(k),
        `account number ${k.accountNo} has sellers ${accountsRepository.sellerList(sample)}: name one in ${sellerField}`,
      );
  }
  return hints;
}

/**
 * The sellers under the account number of each merchant key of `keys` (no `msId`), by
 * {@link accountKeyText}; no query when there is no merchant key.
 */
async function merchantSellers(
  db: Db,
  keys: readonly AccountKey[],
): Promise<Map<string, accountsRepository.SellerSample>> {
  const merchants = keys.filter((k) => !k.msId);
  return merchants.length > 0 ? accountsRepository.findSellers(db, merchants) : new Map();
}

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
