import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import * as accountsRepository from '../repositories/accounts.repository';
import * as ledgerEntriesRepository from '../repositories/ledger-entries.repository';
import { charLength, MAX_ENTRY_REF_LENGTH } from './field-rules';
import { isStorableInstant } from './iso-instant';

/** One entry to append, for an account already resolved to its id. */
export interface NewLedgerEntry {
  /** `provider_accounts.id` (bigserial, as a string). */
  accountId: string;
  /** Unique per account; re-sending it with the same amount and time is a no-op. */
  entryRef: string;
  /** Signed minor units: credits positive, debits negative. */
  amount: bigint;
  postedAt: Date;
  /** The provider's transaction id, when known (matched first when explaining a break). */
  providerRef?: string | null;
}

/** A reference that already exists (in the ledger or earlier in the batch) with other values. */
export interface LedgerConflict {
  /** Position of the refused entry in the input array. */
  index: number;
  accountId: string;
  entryRef: string;
  existingAmount: bigint;
  newAmount: bigint;
  existingPostedAt: Date;
  newPostedAt: Date;
  /** `ledger` when the kept entry was stored before, `batch` when it came earlier in this batch. */
  existingIn: 'ledger' | 'batch';
}

/** What one append did. */
export interface AppendResult {
  /** Entries stored by this call. */
  inserted: number;
  /** Entries whose reference was already stored (or sent earlier in the batch) with the same values. */
  duplicates: number;
  /** Entries refused because their reference exists with another amount or time; never overwritten. */
  conflicts: LedgerConflict[];
  /** Entries stored before this call whose `balance_after` changed because of a back-dated entry. */
  rebalanced: number;
}

/** Options of {@link appendLedgerEntries}. */
export interface AppendOptions {
  /**
   * `skip` (default): store the other entries and report the conflicts.
   * `rollback`: store nothing when any entry conflicts (the API's all-or-nothing batches).
   */
  onConflict?: 'skip' | 'rollback';
  /**
   * Runs inside the transaction just before it commits, when entries were stored, with the
   * counts: a record of the batch (the audit trail) commits with the entries or not at all.
   */
  beforeCommit?: (
    tx: EntityManager,
    stored: { inserted: number; duplicates: number },
  ) => Promise<void>;
}

/** Thrown when entries name account ids that do not exist; nothing of the batch is stored. */
export class UnknownAccountError extends Error {
  constructor(readonly accountIds: string[]) {
    super(`unknown provider account id(s): ${accountIds.join(', ')}`);
    this.name = 'UnknownAccountError';
  }
}

const INT8_MAX = 2n ** 63n - 1n;
const ACCOUNT_ID = /^[1-9]\d{0,18}$/;
const keyOf = (accountId: string, entryRef: string) => `${accountId}\u0000${entryRef}`;
const byId = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

function assertEntry(e: NewLedgerEntry, i: number): void {
  const bad = (what: string) => {
    throw new TypeError(`appendLedgerEntries: entries[${i}].${what}`);
  };
  if (typeof e.accountId !== 'string' || !ACCOUNT_ID.test(e.accountId))
    bad('accountId must be a positive id');
  if (
    typeof e.entryRef !== 'string' ||
    e.entryRef === '' ||
    charLength(e.entryRef, MAX_ENTRY_REF_LENGTH) > MAX_ENTRY_REF_LENGTH
  ) {
    bad(`entryRef must be 1 to ${MAX_ENTRY_REF_LENGTH} characters`);
  }
  if (typeof e.amount !== 'bigint' || e.amount > INT8_MAX || e.amount < -INT8_MAX)
    bad('amount must be a bigint');
  if (
    e.providerRef !== undefined &&
    e.providerRef !== null &&
    (typeof e.providerRef !== 'string' ||
      e.providerRef === '' ||
      charLength(e.providerRef, MAX_ENTRY_REF_LENGTH) > MAX_ENTRY_REF_LENGTH)
  ) {
    bad(`providerRef must be 1 to ${MAX_ENTRY_REF_LENGTH} characters or absent`);
  }
  if (!(e.postedAt instanceof Date) || !isStorableInstant(e.postedAt)) {
    bad('postedAt must be a valid Date in years 1000 to 9999');
  }
}

/**
 * Appends ledger entries idempotently in one transaction, keeping `balance_after` (the running
 * balance in `(posted_at, id)` order) right for every entry of every touched account.
 *
 * - `(account_id, entry_ref)` is unique: a reference already stored with the same amount and
 *   `posted_at` counts as a duplicate and changes nothing; with another amount or time it is a
 *   conflict, reported and never overwritten (see {@link AppendOptions.onConflict}).
 * - The touched `provider_accounts` rows are locked `FOR NO KEY UPDATE` in id order, so
 *   concurrent appends to one account run one after the other (and cannot deadlock) while
 *   foreign-key checks of other tables on those accounts are not blocked.
 * - Entries at or after an account's latest entry extend its running balance; a back-dated
 *   entry makes one window-function `UPDATE` recompute the account's tail from the earliest
 *   new `posted_at`.
 *
 * A batch is a fixed handful of statements whatever its size (arrays through `unnest`), so
 * batches of thousands of entries are cheap. Throws {@link UnknownAccountError} (storing nothing)
 * when an account id does not exist, and `TypeError` on malformed input.
 */
export async function appendLedgerEntries(
  ds: DataSource,
  entries: readonly NewLedgerEntry[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  entries.forEach(assertEntry);
  const result: AppendResult = { inserted: 0, duplicates: 0, conflicts: [], rebalanced: 0 };

  if (entries.length === 0) return result;
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction('READ COMMITTED');
    const accountIds = [...new Set(entries.map((e) => e.accountId))].sort(byId);
    await lockAccounts(qr, accountIds);

    const fresh = await classify(qr, entries, result);
    if (result.conflicts.length > 0 && options.onConflict === 'rollback') {
      await qr.rollbackTransaction();
      return { ...result, inserted: 0 };
    }
    if (fresh.length > 0) {
      const backdated = await insertEntries(qr, entries, fresh);
      result.inserted = fresh.length;
      if (backdated.accountIds.length > 0) result.rebalanced = await recomputeTails(qr, backdated);
      await options.beforeCommit?.(qr.manager, {
        inserted: result.inserted,
        duplicates: result.duplicates,
      });
    }
    await qr.commitTransaction();
    return result;
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

function conflict(
  index: number,
  e: NewLedgerEntry,
  existingAmount: bigint,
  existingPostedAt: Date,
  existingIn: LedgerConflict['existingIn'],
): LedgerConflict {
  return {
    index,
    accountId: e.accountId,
    entryRef: e.entryRef,
    existingAmount,
    newAmount: e.amount,
    existingPostedAt,
    newPostedAt: e.postedAt,
    existingIn,
  };
}

/**
 * Locks the accounts in id order. A separate statement from the reads that follow: under
 * READ COMMITTED each later statement takes a fresh snapshot, so after waiting for another
 * appender's lock we see everything it committed.
 */
async function lockAccounts(qr: QueryRunner, accountIds: string[]): Promise<void> {
  const locked = await accountsRepository.lockForAppend(qr, accountIds);
  if (locked.length !== accountIds.length) {
    const found = new Set(locked);
    throw new UnknownAccountError(accountIds.filter((id) => !found.has(id)));
  }
}

/**
 * Sorts the batch into new entries (returned, as input indexes), duplicates and conflicts.
 * A reference is judged against its stored entry when there is one, else against its first
 * occurrence in the batch.
 */
async function classify(
  qr: QueryRunner,
  entries: readonly NewLedgerEntry[],
  result: AppendResult,
): Promise<number[]> {
  const firstIndex = new Map<string, number>();
  entries.forEach((e, i) => {
    const key = keyOf(e.accountId, e.entryRef);
    if (!firstIndex.has(key)) firstIndex.set(key, i);
  });
  const unique = [...firstIndex.values()];
  const rows = await ledgerEntriesRepository.findStoredEntries(
    qr,
    unique.map((i) => entries[i]),
  );
  const stored = new Map(
    rows.map((r) => [keyOf(r.accountId, r.entryRef), { amount: r.amount, postedAt: r.postedAt }]),
  );
  const fresh: number[] = [];
  entries.forEach((e, i) => {
    const key = keyOf(e.accountId, e.entryRef);
    const inLedger = stored.get(key);
    const first = firstIndex.get(key)!;
    if (!inLedger && first === i) {
      fresh.push(i);
      return;
    }
    const kept = inLedger ?? entries[first];
    if (kept.amount === e.amount && kept.postedAt.getTime() === e.postedAt.getTime()) {
      result.duplicates++;
    } else {
      result.conflicts.push(
        conflict(i, e, kept.amount, kept.postedAt, inLedger ? 'ledger' : 'batch'),
      );
    }
  });
  return fresh;
}

/** Accounts that received an entry before their latest one, with the earliest such time. */
interface Backdated {
  accountIds: string[];
  fromTimes: string[];
  /** Smallest id given to a new entry: every older entry of a locked account has a smaller id. */
  firstNewId: string;
}

/**
 * Inserts the new entries with ids taken from the sequence in `(account, posted_at)` order, so
 * the ids of an account's new entries follow their time order and come after its stored ones.
 * Running balances are computed here for accounts whose new entries all come at or after their
 * latest entry; back-dated accounts are returned for {@link recomputeTails}.
 */
async function insertEntries(
  qr: QueryRunner,
  entries: readonly NewLedgerEntry[],
  fresh: number[],
): Promise<Backdated> {
  const order = [...fresh].sort((a, b) => {
    const x = entries[a];
    const y = entries[b];
    return byId(x.accountId, y.accountId) || x.postedAt.getTime() - y.postedAt.getTime() || a - b;
  });
  const accountIds = [...new Set(order.map((i) => entries[i].accountId))];
  const latest = await ledgerEntriesRepository.latestEntries(qr, accountIds);
  const ids = (await ledgerEntriesRepository.reserveEntryIds(qr, order.length)).sort(byId);
  const last = new Map(latest.map((r) => [r.accountId, r]));

  const backdated: Backdated = { accountIds: [], fromTimes: [], firstNewId: ids[0] };
  const balances: bigint[] = new Array(order.length);
  let k = 0;
  while (k < order.length) {
    const accountId = entries[order[k]].accountId;
    const prev = last.get(accountId);
    const firstAt = entries[order[k]].postedAt;
    if (prev?.postedAt && firstAt.getTime() < prev.postedAt.getTime()) {
      backdated.accountIds.push(accountId);
      backdated.fromTimes.push(firstAt.toISOString());
    }
    // Provisional for back-dated accounts (recomputeTails fixes them), exact otherwise.
    let balance = prev?.balanceAfter ?? 0n;
    for (; k < order.length && entries[order[k]].accountId === accountId; k++) {
      balance += entries[order[k]].amount;
      balances[k] = balance;
    }
  }

  await ledgerEntriesRepository.insertEntries(
    qr,
    order.map((i, k) => ({
      id: ids[k],
      accountId: entries[i].accountId,
      entryRef: entries[i].entryRef,
      amount: entries[i].amount,
      postedAt: entries[i].postedAt,
      balanceAfter: balances[k],
      providerRef: entries[i].providerRef ?? null,
    })),
  );
  return backdated;
}

/** The back-dated accounts' running balances, recomputed (see the repository). */
function recomputeTails(qr: QueryRunner, backdated: Backdated): Promise<number> {
  return ledgerEntriesRepository.recomputeTails(qr, backdated);
}
