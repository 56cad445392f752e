import type { DataSource, QueryRunner } from 'typeorm';
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
  const locked: { id: string }[] = await qr.query(
    `SELECT id FROM provider_accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE`,
    [accountIds],
  );
  if (locked.length !== accountIds.length) {
    const found = new Set(locked.map((r) => String(r.id)));
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
  const rows: { account_id: string; entry_ref: string; amount: string; posted_at: Date }[] =
    await qr.query(
      `SELECT e.account_id, e.entry_ref, e.amount, e.posted_at
         FROM unnest($1::bigint[], $2::text[]) AS k(account_id, entry_ref)
         JOIN ledger_entries e USING (account_id, entry_ref)`,
      [unique.map((i) => entries[i].accountId), unique.map((i) => entries[i].entryRef)],
    );
  const stored = new Map(
    rows.map((r) => [
      keyOf(String(r.account_id), r.entry_ref),
      { amount: BigInt(r.amount), postedAt: r.posted_at },
    ]),
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
  const latest: { id: string; posted_at: Date | null; balance_after: string | null }[] =
    await qr.query(
      `SELECT a.id, l.posted_at, l.balance_after
         FROM unnest($1::bigint[]) AS a(id)
         LEFT JOIN LATERAL (
           SELECT posted_at, balance_after FROM ledger_entries
            WHERE account_id = a.id ORDER BY posted_at DESC, id DESC LIMIT 1) l ON true`,
      [accountIds],
    );
  // One row holding an array: far cheaper for the driver than one row per id.
  const [{ ids: reserved }]: { ids: string[] }[] = await qr.query(
    `SELECT array_agg(nextval(pg_get_serial_sequence('ledger_entries', 'id'))) AS ids
       FROM generate_series(1, $1::int)`,
    [order.length],
  );
  const ids = reserved.map(String).sort(byId);
  const last = new Map(latest.map((r) => [String(r.id), r]));

  const backdated: Backdated = { accountIds: [], fromTimes: [], firstNewId: ids[0] };
  const balances: string[] = new Array(order.length);
  let k = 0;
  while (k < order.length) {
    const accountId = entries[order[k]].accountId;
    const prev = last.get(accountId);
    const firstAt = entries[order[k]].postedAt;
    if (prev?.posted_at && firstAt.getTime() < prev.posted_at.getTime()) {
      backdated.accountIds.push(accountId);
      backdated.fromTimes.push(firstAt.toISOString());
    }
    // Provisional for back-dated accounts (recomputeTails fixes them), exact otherwise.
    let balance = prev?.balance_after ? BigInt(prev.balance_after) : 0n;
    for (; k < order.length && entries[order[k]].accountId === accountId; k++) {
      balance += entries[order[k]].amount;
      balances[k] = balance.toString();
    }
  }

  await qr.query(
    `INSERT INTO ledger_entries (id, account_id, entry_ref, amount, posted_at, balance_after, provider_ref)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::timestamptz[], $6::bigint[], $7::text[])`,
    [
      ids,
      order.map((i) => entries[i].accountId),
      order.map((i) => entries[i].entryRef),
      order.map((i) => entries[i].amount.toString()),
      order.map((i) => entries[i].postedAt.toISOString()),
      balances,
      order.map((i) => entries[i].providerRef ?? null),
    ],
  );
  return backdated;
}

/**
 * Recomputes `balance_after` of each back-dated account from its earliest new entry on:
 * the balance just before that time plus a running sum over the tail. Rows whose value does
 * not change are not rewritten. Returns how many previously stored entries changed.
 */
async function recomputeTails(qr: QueryRunner, backdated: Backdated): Promise<number> {
  // The tail is found through the as-of index; without these the planner likes to hash-join
  // the tail with a sequential scan of the whole ledger to find the rows to update. LOCAL:
  // only the rest of this transaction (its COMMIT) is affected.
  await qr.query(`SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off`);
  const [{ rebalanced }]: { rebalanced: number }[] = await qr.query(
    `WITH start AS (
       SELECT s.account_id, s.from_at, COALESCE(b.balance_after, 0) AS base
         FROM unnest($1::bigint[], $2::timestamptz[]) AS s(account_id, from_at)
         LEFT JOIN LATERAL (
           SELECT balance_after FROM ledger_entries
            WHERE account_id = s.account_id AND posted_at < s.from_at
            ORDER BY posted_at DESC, id DESC LIMIT 1) b ON true
     ),
     tail AS (
       SELECT e.id, s.base + sum(e.amount) OVER (
                PARTITION BY e.account_id ORDER BY e.posted_at, e.id ROWS UNBOUNDED PRECEDING) AS balance
         FROM start s JOIN ledger_entries e ON e.account_id = s.account_id AND e.posted_at >= s.from_at
     ),
     changed AS (
       UPDATE ledger_entries e SET balance_after = t.balance
         FROM tail t
        WHERE e.id = t.id AND e.balance_after <> t.balance
       RETURNING e.id
     )
     SELECT count(*) FILTER (WHERE id < $3::bigint)::int AS rebalanced FROM changed`,
    [backdated.accountIds, backdated.fromTimes, backdated.firstNewId],
  );
  return rebalanced;
}
