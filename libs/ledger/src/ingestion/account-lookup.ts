import type { DataSource, EntityManager } from 'typeorm';

/** The natural key of a provider account. */
export interface AccountKey {
  provider: string;
  accountNo: string;
}

/** `netzme/acc-001`: the map key and the way errors name an account. */
export function accountKeyText(provider: string, accountNo: string): string {
  return `${provider}/${accountNo}`;
}

/**
 * Resolves `(provider, account_no)` pairs to `provider_accounts.id` in one query.
 * The map is keyed by {@link accountKeyText}; pairs without an account are absent.
 */
export async function findAccountIds(
  db: DataSource | EntityManager,
  keys: readonly AccountKey[],
): Promise<Map<string, string>> {
  const unique = new Map(keys.map((k) => [accountKeyText(k.provider, k.accountNo), k]));
  const found = new Map<string, string>();
  if (unique.size === 0) return found;
  const pairs = [...unique.values()];
  const rows: { id: string; provider: string; account_no: string }[] = await db.query(
    `SELECT a.id, a.provider, a.account_no
       FROM unnest($1::text[], $2::text[]) AS k(provider, account_no)
       JOIN provider_accounts a USING (provider, account_no)`,
    [pairs.map((k) => k.provider), pairs.map((k) => k.accountNo)],
  );
  for (const r of rows) found.set(accountKeyText(r.provider, r.account_no), String(r.id));
  return found;
}
