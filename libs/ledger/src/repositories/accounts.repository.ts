import { AccountKey, accountKeyText } from '../account-key';
import { Db, idOf } from './row-mapping';

export type { AccountKey };

/**
 * `provider_accounts` (and `merchants`, the aggregate's root): the only code that reads or
 * writes them. An account is known by its id or by its natural key
 * `(provider, account_no, ms_id)`.
 */

/** The key's arrays for `unnest($1, $2, $3)`; no seller is `''` (the unique index's value). */
function keyArrays(keys: readonly AccountKey[]): [string[], string[], string[]] {
  return [keys.map((k) => k.provider), keys.map((k) => k.accountNo), keys.map((k) => k.msId ?? '')];
}

/** Joins `k(provider, account_no, ms_id)` to `provider_accounts a` through its unique index. */
const KEY_MATCHES = `a.provider = k.provider AND a.account_no = k.account_no AND coalesce(a.ms_id, '') = k.ms_id`;

/** An account as the import compares it with a new row. */
export interface StoredAccount extends AccountKey {
  id: string;
  merchantId: string;
  currency: string;
  credentialSet: string | null;
  enabled: boolean;
  msId: string | null;
  expectedProviderName: string | null;
}

/** A new account to insert. */
export type AccountInsert = Omit<StoredAccount, 'id'>;

/** The fields an import may change on an account (its key never changes). */
export type AccountUpdate = Pick<
  StoredAccount,
  'id' | 'credentialSet' | 'enabled' | 'expectedProviderName'
>;

/** An account with its merchant's name, as an account's history shows it. */
export interface AccountWithMerchant extends AccountKey {
  msId: string | null;
  id: string;
  merchantId: string;
  merchantName: string;
  currency: string;
  enabled: boolean;
}

/** The id and enabled flag of a key; `null` id for an unknown account. */
export interface KeyResolution {
  id: string | null;
  enabled: boolean | null;
}

/** Ids of the accounts among `keys` (unknown keys are absent). */
export async function findIdsByKeys(
  db: Db,
  keys: readonly AccountKey[],
): Promise<(AccountKey & { id: string })[]> {
  const rows: { id: string; provider: string; account_no: string; ms_id: string | null }[] =
    await db.query(
      `SELECT a.id, a.provider, a.account_no, a.ms_id
         FROM unnest($1::text[], $2::text[], $3::text[]) AS k(provider, account_no, ms_id)
         JOIN provider_accounts a ON ${KEY_MATCHES}`,
      keyArrays(keys),
    );
  return rows.map((r) => ({
    id: idOf(r.id),
    provider: r.provider,
    accountNo: r.account_no,
    msId: r.ms_id,
  }));
}

/** Each key's id and enabled flag, in the order given (one statement). */
export async function resolveKeys(db: Db, keys: readonly AccountKey[]): Promise<KeyResolution[]> {
  const rows: { i: string; id: string | null; enabled: boolean | null }[] = await db.query(
    `SELECT k.i, a.id, a.enabled
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(provider, account_no, ms_id, i)
       LEFT JOIN provider_accounts a ON ${KEY_MATCHES}
      ORDER BY k.i`,
    keyArrays(keys),
  );
  return rows.map((r) => ({ id: r.id === null ? null : idOf(r.id), enabled: r.enabled }));
}

/** The full rows of the accounts among `keys`. */
export async function findByKeys(db: Db, keys: readonly AccountKey[]): Promise<StoredAccount[]> {
  const rows: {
    id: string;
    provider: string;
    account_no: string;
    merchant_id: string;
    currency: string;
    credential_set: string | null;
    enabled: boolean;
    ms_id: string | null;
    expected_provider_name: string | null;
  }[] = await db.query(
    `SELECT a.id, a.provider, a.account_no, a.merchant_id, a.currency, a.credential_set, a.enabled,
            a.ms_id, a.expected_provider_name
       FROM unnest($1::text[], $2::text[], $3::text[]) AS k(provider, account_no, ms_id)
       JOIN provider_accounts a ON ${KEY_MATCHES}`,
    keyArrays(keys),
  );
  return rows.map((a) => ({
    id: idOf(a.id),
    provider: a.provider,
    accountNo: a.account_no,
    merchantId: a.merchant_id,
    currency: a.currency,
    credentialSet: a.credential_set,
    enabled: a.enabled,
    msId: a.ms_id,
    expectedProviderName: a.expected_provider_name,
  }));
}

/** Some of an account number's sellers, for a message: the first few ids and how many in all. */
export interface SellerSample {
  first: string[];
  total: number;
}

/** Most seller ids a {@link SellerSample} holds (a marketplace may have thousands). */
export const SELLER_SAMPLE_SIZE = 5;

/**
 * The sellers under each `(provider, accountNo)` of `keys` (their `msId` is ignored), by
 * {@link accountKeyText} of the merchant's key: the first {@link SELLER_SAMPLE_SIZE} ids and
 * the count. Account numbers without sellers are absent.
 */
export async function findSellers(
  db: Db,
  keys: readonly AccountKey[],
): Promise<Map<string, SellerSample>> {
  const rows: { provider: string; account_no: string; first: string[]; total: string }[] =
    await db.query(
      `SELECT a.provider, a.account_no,
              (array_agg(a.ms_id ORDER BY a.ms_id))[1:$3] AS first, count(*) AS total
         FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS k(provider, account_no)) k
         JOIN provider_accounts a ON a.provider = k.provider AND a.account_no = k.account_no
        WHERE a.ms_id IS NOT NULL
        GROUP BY a.provider, a.account_no`,
      [keys.map((k) => k.provider), keys.map((k) => k.accountNo), SELLER_SAMPLE_SIZE],
    );
  return new Map(
    rows.map((r) => [
      accountKeyText({ provider: r.provider, accountNo: r.account_no }),
      { first: r.first, total: Number(r.total) },
    ]),
  );
}

/** `S1, S2` or `S1, S2, S3, S4, S5 and 995 more`: a bounded list for an error message. */
export function sellerList(sample: SellerSample): string {
  const more = sample.total - sample.first.length;
  return sample.first.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/** One account with its merchant's name, or null. */
export async function findWithMerchant(
  db: Db,
  key: AccountKey,
): Promise<AccountWithMerchant | null> {
  const rows: {
    id: string;
    merchant_id: string;
    merchant_name: string;
    provider: string;
    account_no: string;
    ms_id: string | null;
    currency: string;
    enabled: boolean;
  }[] = await db.query(
    `SELECT a.id, a.merchant_id, m.name AS merchant_name, a.provider, a.account_no, a.ms_id,
            a.currency, a.enabled
       FROM provider_accounts a JOIN merchants m ON m.id = a.merchant_id
      WHERE a.provider = $1 AND a.account_no = $2 AND coalesce(a.ms_id, '') = $3`,
    [key.provider, key.accountNo, key.msId ?? ''],
  );
  if (rows.length === 0) return null;
  const a = rows[0];
  return {
    id: idOf(a.id),
    merchantId: a.merchant_id,
    merchantName: a.merchant_name,
    provider: a.provider,
    accountNo: a.account_no,
    msId: a.ms_id,
    currency: a.currency,
    enabled: a.enabled,
  };
}

/**
 * Locks the accounts `FOR NO KEY UPDATE` in id order, so concurrent appends to one account
 * queue up and cannot deadlock while foreign-key checks of other tables are not blocked.
 * Returns the ids found; a missing one is an unknown account.
 */
export async function lockForAppend(db: Db, accountIds: readonly string[]): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `SELECT id FROM provider_accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE`,
    [accountIds],
  );
  return rows.map((r) => idOf(r.id));
}

/** Serializes account imports of this schema until the transaction ends. */
export async function lockForImport(db: Db): Promise<void> {
  await db.query(
    `SELECT pg_advisory_xact_lock(hashtext('snap-recon.import-accounts:' || current_schema()))`,
  );
}

/**
 * Inserts merchants, renaming those whose name changed; says per written row whether it was
 * inserted or updated (an unchanged merchant writes no row).
 */
export async function upsertMerchants(
  db: Db,
  names: ReadonlyMap<string, string>,
): Promise<{ inserted: boolean; updated: boolean }[]> {
  const rows: { inserted: boolean; updated: boolean }[] = await db.query(
    `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[]) AS m(id, name)),
     upserted AS (
       INSERT INTO merchants (id, name) SELECT id, name FROM input
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name WHERE merchants.name <> EXCLUDED.name
       RETURNING (xmax = 0) AS inserted
     )
     SELECT inserted, NOT inserted AS updated FROM upserted`,
    [[...names.keys()], [...names.values()]],
  );
  return rows;
}

/** Inserts accounts in one statement. */
export async function insertAccounts(db: Db, accounts: readonly AccountInsert[]): Promise<void> {
  await db.query(
    `INSERT INTO provider_accounts (merchant_id, provider, account_no, currency, credential_set, enabled,
                                   ms_id, expected_provider_name)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[],
                          $7::text[], $8::text[])`,
    [
      accounts.map((a) => a.merchantId),
      accounts.map((a) => a.provider),
      accounts.map((a) => a.accountNo),
      accounts.map((a) => a.currency),
      accounts.map((a) => a.credentialSet),
      accounts.map((a) => a.enabled),
      accounts.map((a) => a.msId),
      accounts.map((a) => a.expectedProviderName),
    ],
  );
}

/** Updates accounts' changeable fields in one statement. */
export async function updateAccounts(db: Db, accounts: readonly AccountUpdate[]): Promise<void> {
  await db.query(
    `UPDATE provider_accounts a SET credential_set = u.credential_set, enabled = u.enabled,
            expected_provider_name = u.expected_provider_name, updated_at = now()
       FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::text[])
         AS u(id, credential_set, enabled, expected_provider_name)
      WHERE a.id = u.id`,
    [
      accounts.map((s) => s.id),
      accounts.map((s) => s.credentialSet),
      accounts.map((s) => s.enabled),
      accounts.map((s) => s.expectedProviderName),
    ],
  );
}

/**
 * The demo's seeding: merchants inserted when absent, accounts inserted or given the new
 * credential set. Returns the account ids by {@link accountKeyText}.
 */
export async function seedAccounts(
  db: Db,
  accounts: readonly (AccountKey & {
    merchantId: string;
    merchantName: string;
    credentialSet: string | null;
  })[],
): Promise<Map<string, string>> {
  await db.query(
    `INSERT INTO merchants (id, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id) DO NOTHING`,
    [accounts.map((a) => a.merchantId), accounts.map((a) => a.merchantName)],
  );
  const rows: { id: string; provider: string; account_no: string; ms_id: string | null }[] =
    await db.query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no, ms_id, credential_set)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (provider, account_no, (coalesce(ms_id, '')))
         DO UPDATE SET credential_set = EXCLUDED.credential_set
       RETURNING id, provider, account_no, ms_id`,
      [
        accounts.map((a) => a.merchantId),
        accounts.map((a) => a.provider),
        accounts.map((a) => a.accountNo),
        accounts.map((a) => a.msId ?? null),
        accounts.map((a) => a.credentialSet),
      ],
    );
  return new Map(
    rows.map((r) => [
      accountKeyText({ provider: r.provider, accountNo: r.account_no, msId: r.ms_id }),
      idOf(r.id),
    ]),
  );
}
