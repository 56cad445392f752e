import type { DataSource, EntityManager } from 'typeorm';
import { accountFitProblems, DEFAULT_PROFILES, ProviderProfile } from '@app/snap';
import * as accountsRepository from '../repositories/accounts.repository';
import { accountKeyText } from '../account-key';
import { Checked, checkCurrency, checkId, checkMerchantName, checkProvider } from './field-rules';

/** One merchant account to create or confirm. */
export interface AccountImportRow {
  merchantId: string;
  merchantName: string;
  provider: string;
  accountNo: string;
  currency: string;
  /**
   * Named credential set. `undefined`: keep the stored one (null for a new account);
   * `null`: the provider's default set.
   */
  credentialSet?: string | null;
  /** `undefined`: keep the stored flag (true for a new account). */
  enabled?: boolean;
  /**
   * The seller under the merchant `accountNo` (NICEPay `msId`, sent with the balance
   * inquiry): part of the account's key. `null`: the merchant's own account. `undefined` (a
   * file without the column): the merchant's own too, but it is not created where the account
   * number already has sellers (a file from before sellers were accounts would otherwise add
   * an empty merchant account beside them; an explicit empty cell creates it).
   */
  msId?: string | null;
  /** The merchant name the provider must report (Finnet); `undefined` keeps the stored one. */
  expectedProviderName?: string | null;
}

/** One bad field of a row: which, its value as given, and why. */
export interface AccountFieldProblem {
  field: keyof AccountImportRow;
  value: string;
  reason: string;
}

/**
 * A refused row of {@link importAccounts}; `index` is its position in the input. Its field is
 * the row's first bad one (in field order); `also` lists the others, when there are any, so
 * the row can be fixed in one go.
 */
export interface AccountRowError extends AccountFieldProblem {
  index: number;
  also?: AccountFieldProblem[];
}

/**
 * What one {@link importAccounts} call did. Each valid row counts once as created, updated
 * or unchanged; merchants are counted once each.
 */
export interface AccountImportResult {
  merchantsCreated: number;
  /** Existing merchants whose name changed. */
  merchantsUpdated: number;
  /** Rows that created an account. */
  accountsCreated: number;
  /** Rows that changed the credential set, enabled flag or expected name of an account. */
  accountsUpdated: number;
  /** Rows that confirmed an account as it was (a re-import). */
  accountsUnchanged: number;
  errors: AccountRowError[];
}

interface AccountState {
  id: string | null;
  merchantId: string;
  currency: string;
  credentialSet: string | null;
  enabled: boolean;
  expectedProviderName: string | null;
  changed: boolean;
  firstIndex: number;
}

/** Each provider's profile by name: what its balance request allows (see `importAccounts`). */
export type ProviderProfiles = Readonly<Record<string, ProviderProfile>>;

/** The credential set names a deployment holds, by provider. */
export type KnownCredentialSets = ReadonlyMap<string, ReadonlySet<string>>;

/** What rows are checked against beyond their own fields (see `importAccounts`). */
export interface AccountImportChecks {
  /** Each provider's profile as deployed (default: the built-in ones, the pages' sizes). */
  profiles?: ProviderProfiles;
  /**
   * The deployment's credential sets (`SNAP_CREDENTIALS_FILE`). When given, a row naming a
   * set its provider does not have is refused: every run would record `error` for it. Left
   * out where the import runs without the SNAP secrets.
   */
  credentialSets?: KnownCredentialSets;
}

/** Names listed in full in a refusal; beyond that only their count. */
const LISTED_SETS = 5;

function checkKnownSet(
  known: KnownCredentialSets,
  provider: string,
): (name: string) => Checked<unknown> {
  return (name) => {
    const ids = checkId(name);
    const names = known.get(provider) ?? new Set<string>();
    if (!ids.ok || names.has(name)) return ids;
    const sorted = [...names].sort();
    const held =
      sorted.length === 0
        ? 'it names none for ' + provider
        : sorted.length <= LISTED_SETS
          ? `its ${provider} sets: ${sorted.join(', ')}`
          : `it names ${sorted.length} ${provider} sets, e.g. ${sorted.slice(0, LISTED_SETS).join(', ')}`;
    return {
      ok: false,
      reason: `no ${provider} credential set of that name in SNAP_CREDENTIALS_FILE (${held}); every run would be an error for the account`,
    };
  };
}

/** The fields of a row in the accounts CSV's column order (`enabled` has no column). */
const FIELD_ORDER: (keyof AccountImportRow)[] = [
  'merchantId',
  'merchantName',
  'provider',
  'accountNo',
  'currency',
  'credentialSet',
  'msId',
  'expectedProviderName',
  'enabled',
];

/**
 * Every problem of a row, one per field at most, in field order; empty when it is valid.
 * `earlierName`: the merchant's name in an earlier row (one merchant has one name).
 */
function rowProblems(
  row: AccountImportRow,
  profiles: ProviderProfiles,
  credentialSets: KnownCredentialSets | undefined,
  earlierName: string | undefined,
): AccountFieldProblem[] {
  const sameName = (text: string): Checked<unknown> => {
    const checked = checkMerchantName(text);
    if (!checked.ok || earlierName === undefined || earlierName === text) return checked;
    return {
      ok: false,
      reason: `merchant ${row.merchantId} is named ${JSON.stringify(earlierName)} by an earlier row; one merchant has one name`,
    };
  };
  const checks: [keyof AccountImportRow, unknown, (text: string) => Checked<unknown>][] = [
    ['merchantId', row.merchantId, checkId],
    ['merchantName', row.merchantName, sameName],
    ['provider', row.provider, checkProvider],
    ['accountNo', row.accountNo, checkId],
    ['currency', row.currency, checkCurrency],
  ];
  if (row.credentialSet !== undefined && row.credentialSet !== null) {
    // Against the provider's sets only once the provider itself is known.
    const known =
      credentialSets && typeof row.provider === 'string' && checkProvider(row.provider).ok;
    const check = known ? checkKnownSet(credentialSets, row.provider) : checkId;
    checks.push(['credentialSet', row.credentialSet, check]);
  }
  if (row.msId !== undefined && row.msId !== null) checks.push(['msId', row.msId, checkId]);
  if (row.expectedProviderName !== undefined && row.expectedProviderName !== null) {
    checks.push(['expectedProviderName', row.expectedProviderName, checkMerchantName]);
  }
  const problems: AccountFieldProblem[] = [];
  for (const [field, value, check] of checks) {
    if (typeof value !== 'string') {
      problems.push({ field, value: String(value), reason: 'must be a string' });
      continue;
    }
    const checked = check(value);
    if (!checked.ok) problems.push({ field, value, reason: checked.reason });
  }
  if (row.enabled !== undefined && typeof row.enabled !== 'boolean') {
    problems.push({
      field: 'enabled',
      value: String(row.enabled),
      reason: 'must be true or false',
    });
  }
  // What the provider's balance request allows (NICEPay: accountNo 10, msId 20; sellers only
  // where the request names one): an account that does not fit would fail every run. A field
  // already refused above (perhaps not even a string) is left out of the measure; without a
  // known provider there is nothing to measure against.
  const bad = new Set(problems.map((p) => p.field));
  const profile = bad.has('provider') ? undefined : profiles[row.provider];
  if (profile) {
    const fitted = {
      accountNo: bad.has('accountNo') ? '' : row.accountNo,
      msId: bad.has('msId') ? null : row.msId,
      expectedProviderName: bad.has('expectedProviderName') ? null : row.expectedProviderName,
    };
    problems.push(...accountFitProblems(profile, fitted));
  }
  return problems.sort((a, b) => FIELD_ORDER.indexOf(a.field) - FIELD_ORDER.indexOf(b.field));
}

/** True when `credentialSet` is none and the provider knows an account by its credential set. */
function leavesNoCredentialSet(
  profile: ProviderProfile | undefined,
  credentialSet: string | null,
): boolean {
  return !credentialSet && profile?.accountIdentity === 'credential-set';
}

/** A row that would leave an account of a provider that knows it by its credentials without any. */
function noCredentialSet(index: number, provider: string): AccountRowError {
  return {
    index,
    field: 'credentialSet',
    value: '',
    reason: `${provider} knows an account by its credential set (the merchant's own credentials): name the account's set, or every run would be an error for it`,
  };
}

/**
 * Creates or confirms merchants and their provider accounts, in one transaction.
 *
 * - Merchants are upserted by id; rows of one call naming a merchant otherwise than its first
 *   row are error rows (the stored name follows the file).
 * - Accounts are unique by `(provider, account_no, ms_id)`: a NICEPay seller is an account of
 *   its own beside its merchant's. A new one is created (enabled unless the row says
 *   otherwise); an existing one keeps its id and ledger, and only its credential set, enabled
 *   flag and expected provider name follow the row (when given).
 * - An existing account listed under another merchant or another currency is an error row:
 *   money is never silently re-homed or re-denominated. The same holds between two rows of
 *   one call.
 * - With `checks.credentialSets`, a row naming a credential set its provider does not have is
 *   an error row (a row leaving the set out keeps the stored one, unchecked).
 * - Invalid rows are reported by index, naming every bad field (`also`), and skipped; the
 *   valid ones are applied. Re-running the same rows changes nothing (`accountsUnchanged`).
 *
 * Concurrent imports are serialized by a transaction-scoped advisory lock.
 */
export async function importAccounts(
  ds: DataSource,
  rows: readonly AccountImportRow[],
  checks: AccountImportChecks = {},
  merchantNameRows: Map<string, string> = new Map(),
): Promise<AccountImportResult> {
  return ds.transaction('READ COMMITTED', (em) =>
    importInTransaction(em, rows, checks, merchantNameRows),
  );
}

async function importInTransaction(
  em: EntityManager,
  rows: readonly AccountImportRow[],
  checks: AccountImportChecks,
  merchantNameRows: Map<string, string>,
): Promise<AccountImportResult> {
  const profiles = checks.profiles ?? DEFAULT_PROFILES;
  const result: AccountImportResult = {
    merchantsCreated: 0,
    merchantsUpdated: 0,
    accountsCreated: 0,
    accountsUpdated: 0,
    accountsUnchanged: 0,
    errors: [],
  };
  const valid: number[] = [];
  // One merchant has one name: a later row naming it otherwise is refused, not kept silently
  // (`merchantNameRows` carries the names of a file's earlier batches).
  rows.forEach((row, index) => {
    const [problem, ...also] = rowProblems(
      row,
      profiles,
      checks.credentialSets,
      merchantNameRows.get(row.merchantId),
    );
    if (problem) result.errors.push({ index, ...problem, ...(also.length > 0 ? { also } : {}) });
    else {
      merchantNameRows.set(row.merchantId, row.merchantName);
      valid.push(index);
    }
  });
  if (valid.length === 0) return result;

  await accountsRepository.lockForImport(em);
  const stored = await accountsRepository.findByKeys(
    em,
    valid.map((i) => rows[i]),
  );
  const accounts = new Map<string, AccountState>(
    stored.map((a) => [
      accountKeyText(a),
      {
        id: a.id,
        merchantId: a.merchantId,
        currency: a.currency,
        credentialSet: a.credentialSet,
        enabled: a.enabled,
        expectedProviderName: a.expectedProviderName,
        changed: false,
        firstIndex: -1,
      },
    ]),
  );

  // Only a row without the ms_id column that would create an account can meet sellers.
  const mayMeetSellers = valid
    .map((i) => rows[i])
    .filter((r) => r.msId === undefined && !accounts.has(accountKeyText(r)));
  const sellers =
    mayMeetSellers.length > 0
      ? await accountsRepository.findSellers(em, mayMeetSellers)
      : new Map<string, accountsRepository.SellerSample>();

  // Rows apply in order, against the stored accounts and the rows before them.
  const merchantNames = new Map<string, string>();
  for (const index of valid) {
    const row = rows[index];
    const key = accountKeyText(row);
    const state = accounts.get(key);
    const sellerIds = row.msId === undefined && !state ? sellers.get(key) : undefined;
    if (sellerIds) {
      const list = accountsRepository.sellerList(sellerIds);
      result.errors.push({
        index,
        field: 'msId',
        value: '',
        reason:
          `account ${key} has sellers (${list}) and no account of its own: ` +
          "name the seller in ms_id, or leave the ms_id cell empty to add the merchant's own account",
      });
      continue;
    }
    if (!state && leavesNoCredentialSet(profiles[row.provider], row.credentialSet ?? null)) {
      result.errors.push(noCredentialSet(index, row.provider));
      continue;
    }
    if (!state) {
      accounts.set(key, {
        id: null,
        merchantId: row.merchantId,
        currency: row.currency,
        credentialSet: row.credentialSet ?? null,
        enabled: row.enabled ?? true,
        expectedProviderName: row.expectedProviderName ?? null,
        changed: true,
        firstIndex: index,
      });
      result.accountsCreated++;
      merchantNames.set(row.merchantId, row.merchantName);
      continue;
    }
    const earlier = state.firstIndex >= 0;
    if (state.merchantId !== row.merchantId) {
      result.errors.push({
        index,
        field: 'merchantId',
        value: row.merchantId,
        reason:
          (earlier
            ? `account ${key} is given to merchant ${state.merchantId} by an earlier row`
            : `account ${key} already belongs to merchant ${state.merchantId}`) +
          '; moving an account to another merchant is refused',
      });
      continue;
    }
    if (state.currency !== row.currency) {
      result.errors.push({
        index,
        field: 'currency',
        value: row.currency,
        reason:
          (earlier
            ? `account ${key} is given currency ${state.currency} by an earlier row`
            : `account ${key} is already in ${state.currency}`) +
          "; changing an account's currency is refused",
      });
      continue;
    }
    const credentialSet = row.credentialSet === undefined ? state.credentialSet : row.credentialSet;
    if (leavesNoCredentialSet(profiles[row.provider], credentialSet)) {
      result.errors.push(noCredentialSet(index, row.provider));
      continue;
    }
    merchantNames.set(row.merchantId, row.merchantName);
    const enabled = row.enabled ?? state.enabled;
    const expectedProviderName =
      row.expectedProviderName === undefined
        ? state.expectedProviderName
        : row.expectedProviderName;
    if (
      credentialSet !== state.credentialSet ||
      enabled !== state.enabled ||
      expectedProviderName !== state.expectedProviderName
    ) {
      state.credentialSet = credentialSet;
      state.enabled = enabled;
      state.expectedProviderName = expectedProviderName;
      state.changed = true;
      result.accountsUpdated++;
    } else {
      result.accountsUnchanged++;
    }
  }
  result.errors.sort((a, b) => a.index - b.index);

  if (merchantNames.size > 0) {
    const merchants = await accountsRepository.upsertMerchants(em, merchantNames);
    result.merchantsCreated = merchants.filter((m) => m.inserted).length;
    result.merchantsUpdated = merchants.filter((m) => m.updated).length;
  }

  const created = [...accounts.entries()].filter(([, s]) => s.id === null);
  const updated = [...accounts.values()].filter((s) => s.id !== null && s.changed);
  if (created.length > 0) {
    await accountsRepository.insertAccounts(
      em,
      created.map(([, s]) => ({
        merchantId: s.merchantId,
        provider: rows[s.firstIndex].provider,
        accountNo: rows[s.firstIndex].accountNo,
        currency: s.currency,
        credentialSet: s.credentialSet,
        enabled: s.enabled,
        msId: rows[s.firstIndex].msId ?? null,
        expectedProviderName: s.expectedProviderName,
      })),
    );
  }
  if (updated.length > 0) {
    await accountsRepository.updateAccounts(
      em,
      updated.map((s) => ({
        id: s.id!,
        credentialSet: s.credentialSet,
        enabled: s.enabled,
        expectedProviderName: s.expectedProviderName,
      })),
    );
  }
  return result;
}
