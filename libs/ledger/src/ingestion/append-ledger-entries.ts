import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { formatAmount } from '@app/snap';
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

/**
 * An entry refused because storing it would take a running balance (`balance_after`, a
 * Postgres `bigint` of minor units) beyond ±{@link MAX_LEDGER_BALANCE}: its own, or for a
 * back-dated entry that of a later entry of the account.
 */
export interface BalanceOutOfRange {
  /** Position of the refused entry in the input array. */
  index: number;
  accountId: string;
  entryRef: string;
  amount: bigint;
  /** The running balance that would be out of range (minor units). */
  balance: bigint;
  /** Null when it is the entry's own balance; else the `posted_at` of the later entry whose balance it is. */
  laterEntryAt: Date | null;
}

/** The largest running balance the ledger holds, either sign (minor units): Postgres `bigint`. */
export const MAX_LEDGER_BALANCE = 2n ** 63n - 1n;

/**
 * Why a {@link BalanceOutOfRange} entry was refused, in words (amounts as `-?digits.dd`):
 * `the account's running balance would be 92233720368547758.08, beyond what the ledger can
 * hold (±92233720368547758.07)`.
 */
export function balanceOutOfRangeReason(o: BalanceOutOfRange): string {
  const limit = `beyond what the ledger can hold (±${formatAmount(MAX_LEDGER_BALANCE)})`;
  return o.laterEntryAt === null
    ? `the account's running balance would be ${formatAmount(o.balance)}, ${limit}`
    : `the account's running balance at its later entry of ${o.laterEntryAt.toISOString()} would become ${formatAmount(o.balance)}, ${limit}`;
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
  /**
   * Entries refused because a running balance would leave the `bigint` range; never stored.
   * Judged in `(posted_at, input)` order per account: each entry against the ledger plus the
   * entries accepted before it, so the others of the account are kept.
   */
  outOfRange: BalanceOutOfRange[];
}

/** Options of {@link appendLedgerEntries}. */
export interface AppendOptions {
  /**
   * `skip` (default): store the other entries and report the conflicts.
   * `rollback`: store nothing when any entry conflicts or would take a running balance out
   * of range (the API's all-or-nothing batches).
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

const INT8_MAX = MAX_LEDGER_BALANCE;
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
  const result: AppendResult = {
    inserted: 0,
    duplicates: 0,
    conflicts: [],
    rebalanced: 0,
    outOfRange: [],
  };

  if (entries.length === 0) return result;
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction('READ COMMITTED');
    const accountIds = [...new Set(entries.map((e) => e.accountId))].sort(byId);
    await lockAccounts(qr, accountIds);

    const fresh = await classify(qr, entries, result);
    const plan = fresh.length > 0 ? await planBalances(qr, entries, fresh) : null;
    if (plan) result.outOfRange = plan.outOfRange;
    if (
      options.onConflict === 'rollback' &&
      (result.conflicts.length > 0 || result.outOfRange.length > 0)
    ) {
      await qr.rollbackTransaction();
      return Object.assign({}, result, { inserted: 0 });
    }
    if (plan && plan.order.length > 0) {
      const backdated = await insertEntries(qr, entries, plan);
      result.inserted = plan.order.length;
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

/** The new entries to store and their balances, and those refused as out of range. */
interface BalancePlan {
  /** Input indexes to store, in `(account, posted_at, index)` order. */
  order: number[];
  /** `balance_after` of each, exact, or provisional (in range) for back-dated accounts. */
  balances: bigint[];
  backdated: Omit<Backdated, 'firstNewId'>;
  outOfRange: BalanceOutOfRange[];
}

const inRange = (balance: bigint) =>
  balance <= MAX_LEDGER_BALANCE && balance >= -MAX_LEDGER_BALANCE;

/** A stored entry from a back-dated account's tail, and the extremes from it on. */
interface TailRow {
  postedAt: number;
  balance: bigint;
  /** Highest / lowest stored balance from this row to the end, and where each is. */
  max: bigint;
  maxAt: number;
  min: bigint;
  minAt: number;
}

function withSuffixExtremes(rows: { postedAt: Date; balanceAfter: bigint }[]): TailRow[] {
  const tail: TailRow[] = new Array(rows.length);
  for (let j = rows.length - 1; j >= 0; j--) {
    const at = rows[j].postedAt.getTime();
    const balance = rows[j].balanceAfter;
    const next = tail[j + 1];
    tail[j] = {
      postedAt: at,
      balance,
      ...(next && next.max >= balance
        ? { max: next.max, maxAt: next.maxAt }
        : { max: balance, maxAt: at }),
      ...(next && next.min <= balance
        ? { min: next.min, minAt: next.minAt }
        : { min: balance, minAt: at }),
    };
  }
  return tail;
}

/**
 * True when storing all of an account's new entries (`indexes`, in time order) keeps every
 * running balance from the first of them on in range: each new entry's and each stored one's
 * of `tail`, shifted by the new entries before it.
 */
function allFit(
  entries: readonly NewLedgerEntry[],
  indexes: number[],
  base: bigint,
  tail: TailRow[],
): boolean {
  let shift = 0n;
  let p = 0;
  for (const i of indexes) {
    const at = entries[i].postedAt.getTime();
    for (; p < tail.length && tail[p].postedAt <= at; p++) {
      if (!inRange(tail[p].balance + shift)) return false;
    }
    shift += entries[i].amount;
    if (!inRange((p > 0 ? tail[p - 1].balance : base) + shift)) return false;
  }
  for (; p < tail.length; p++) if (!inRange(tail[p].balance + shift)) return false;
  return true;
}

/**
 * Decides which new entries can be stored without taking any running balance beyond
 * ±{@link MAX_LEDGER_BALANCE}, and their `balance_after`. The bound is checked here, in
 * bigint arithmetic, before anything is written, rather than left to Postgres (which would
 * abort the whole transaction without naming the entry).
 *
 * Per account: when all its new entries fit together, all are stored. Otherwise they are
 * judged in `(posted_at, index)` order, each against the stored ledger plus the new entries
 * accepted before it: its own balance, and (when it is back-dated) every later stored balance,
 * shifted by it, must stay in range. A refused entry is left out and the next ones are judged
 * without it. An account whose entries all come at or after its latest one needs only its
 * latest balance. A back-dated account needs its tail: one aggregate (the balance before the
 * earliest new entry, the extremes of the stored balances after it) usually proves that no
 * subset of the new amounts can reach the bound; only when it cannot is the tail read.
 */
async function planBalances(
  qr: QueryRunner,
  entries: readonly NewLedgerEntry[],
  fresh: number[],
): Promise<BalancePlan> {
  const sorted = [...fresh].sort((a, b) => {
    const x = entries[a];
    const y = entries[b];
    return byId(x.accountId, y.accountId) || x.postedAt.getTime() - y.postedAt.getTime() || a - b;
  });
  const accountIds = [...new Set(sorted.map((i) => entries[i].accountId))];
  const latest = await ledgerEntriesRepository.latestEntries(qr, accountIds);
  const last = new Map(latest.map((r) => [r.accountId, r]));

  // Each account's run of entries in `sorted`.
  const runs: { accountId: string; from: number; to: number; backdated: boolean }[] = [];
  for (let k = 0; k < sorted.length;) {
    const accountId = entries[sorted[k]].accountId;
    const from = k;
    while (k < sorted.length && entries[sorted[k]].accountId === accountId) k++;
    const prev = last.get(accountId);
    const firstAt = entries[sorted[from]].postedAt.getTime();
    runs.push({
      accountId,
      from,
      to: k,
      backdated: !!prev?.postedAt && firstAt < prev.postedAt.getTime(),
    });
  }
  const backdatedRuns = runs.filter((r) => r.backdated);
  const bounds = new Map(
    backdatedRuns.length === 0
      ? []
      : (
          await ledgerEntriesRepository.tailBounds(
            qr,
            backdatedRuns.map((r) => r.accountId),
            backdatedRuns.map((r) => entries[sorted[r.from]].postedAt.toISOString()),
          )
        ).map((b) => [b.accountId, b]),
  );

  const plan: BalancePlan = {
    order: [],
    balances: [],
    backdated: { accountIds: [], fromTimes: [] },
    outOfRange: [],
  };
  for (const run of runs) {
    const indexes = sorted.slice(run.from, run.to);
    let tail: TailRow[] = [];
    let base = last.get(run.accountId)?.balanceAfter ?? 0n;
    if (run.backdated) {
      const b = bounds.get(run.accountId)!;
      base = b.base;
      let up = 0n;
      let down = 0n;
      for (const i of indexes) {
        if (entries[i].amount > 0n) up += entries[i].amount;
        else down += entries[i].amount;
      }
      const hi = b.max !== null && b.max > base ? b.max : base;
      const lo = b.min !== null && b.min < base ? b.min : base;
      if (!inRange(hi + up) || !inRange(lo + down)) {
        // Some balance could leave the range: judge each entry against the stored tail.
        tail = withSuffixExtremes(
          await ledgerEntriesRepository.tailBalances(
            qr,
            run.accountId,
            entries[indexes[0]].postedAt.toISOString(),
          ),
        );
      }
      // Otherwise every balance is some stored one (or base) plus a subset of the new amounts,
      // within [lo + down, hi + up]: all fit, and base + running sum is a valid provisional
      // balance for recomputeTails to correct.
    }
    // Judge entry by entry only when storing them all would not fit.
    const judge = tail.length > 0 ? !allFit(entries, indexes, base, tail) : true;
    let accepted = 0n;
    let p = 0;
    let firstAccepted: Date | null = null;
    for (const i of indexes) {
      const e = entries[i];
      const at = e.postedAt.getTime();
      while (p < tail.length && tail[p].postedAt <= at) p++;
      const before = (p > 0 ? tail[p - 1].balance : base) + accepted;
      const own = before + e.amount;
      let refusal: BalanceOutOfRange | null = null;
      const refuse = (balance: bigint, laterAt: number | null): BalanceOutOfRange => ({
        index: i,
        accountId: e.accountId,
        entryRef: e.entryRef,
        amount: e.amount,
        balance,
        laterEntryAt: laterAt === null ? null : new Date(laterAt),
      });
      if (!judge) refusal = null;
      else if (!inRange(own)) refusal = refuse(own, null);
      else if (p < tail.length) {
        const later = tail[p];
        const high = later.max + accepted + e.amount;
        const low = later.min + accepted + e.amount;
        if (!inRange(high)) refusal = refuse(high, later.maxAt);
        else if (!inRange(low)) refusal = refuse(low, later.minAt);
      }
      if (refusal) {
        plan.outOfRange.push(refusal);
        continue;
      }
      accepted += e.amount;
      firstAccepted ??= e.postedAt;
      plan.order.push(i);
      plan.balances.push(own);
    }
    const prev = last.get(run.accountId);
    if (firstAccepted && prev?.postedAt && firstAccepted.getTime() < prev.postedAt.getTime()) {
      plan.backdated.accountIds.push(run.accountId);
      plan.backdated.fromTimes.push(firstAccepted.toISOString());
    }
  }
  plan.outOfRange.sort((a, b) => a.index - b.index);
  return plan;
}

/**
 * Inserts the planned entries with ids taken from the sequence in `(account, posted_at)` order,
 * so the ids of an account's new entries follow their time order and come after its stored
 * ones. Back-dated accounts are returned for {@link recomputeTails}.
 */
async function insertEntries(
  qr: QueryRunner,
  entries: readonly NewLedgerEntry[],
  plan: BalancePlan,
): Promise<Backdated> {
  const { order, balances } = plan;
  const ids = (await ledgerEntriesRepository.reserveEntryIds(qr, order.length)).sort(byId);
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
  return Object.assign({}, plan.backdated, { firstNewId: ids[0] });
}

/** The back-dated accounts' running balances, recomputed (see the repository). */
function recomputeTails(qr: QueryRunner, backdated: Backdated): Promise<number> {
  return ledgerEntriesRepository.recomputeTails(qr, backdated);
}
