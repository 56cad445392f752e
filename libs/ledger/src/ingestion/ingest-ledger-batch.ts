import type { DataSource } from 'typeorm';
import { formatAmount } from '@app/snap';
import { accountKeyText } from '../account-key';
import { findAccountIds, unknownAccountReasons } from './account-lookup';
import {
  appendLedgerEntries,
  AppendOptions,
  balanceOutOfRangeReason,
} from './append-ledger-entries';
import type { LedgerBatchEntry } from './ledger-batch.schema';
import { BatchEntryError, batchError } from './row-error';

/** Outcome of {@link ingestLedgerBatch}: all stored, or nothing stored and why. */
export type LedgerBatchOutcome =
  | {
      ok: true;
      /** Entries stored by this call. */
      inserted: number;
      /** Entries already stored with the same amount and time (a resent batch). */
      duplicates: number;
    }
  | { ok: false; errors: BatchEntryError[] };

/**
 * Stores a validated API batch all-or-nothing: resolves `(provider, accountNo, msId)` to accounts
 * (an unknown one is an `unknown_account` error for its index) and appends the entries in
 * one transaction. When any entry's reference is already stored with another amount or time,
 * the batch is rolled back and each such entry is a `conflict` error; likewise when an entry
 * would take its account's running balance (its own, or a later one when back-dated) beyond
 * the `bigint` the ledger stores it in: a `balance_out_of_range` error on its `amount`.
 * Resending a stored batch stores nothing and counts its entries as duplicates, so callers can
 * retry safely. Suggested HTTP mapping: any `conflict` → 409, other errors → 422 (or 400). `beforeCommit`
 * runs in the transaction when entries were stored (the caller's audit record).
 */
export async function ingestLedgerBatch(
  ds: DataSource,
  entries: readonly LedgerBatchEntry[],
  beforeCommit?: AppendOptions['beforeCommit'],
): Promise<LedgerBatchOutcome> {
  const ids = await findAccountIds(ds, entries);
  const errors: BatchEntryError[] = [];
  const missing = entries.filter((e) => !ids.has(accountKeyText(e)));
  const reasons = missing.length > 0 ? await unknownAccountReasons(ds, missing, 'msId') : null;
  entries.forEach((e, index) => {
    if (ids.has(accountKeyText(e))) return;
    const reason = reasons!.get(accountKeyText(e))!;
    errors.push(
      e.msId
        ? batchError(index, 'msId', e.msId, reason, 'unknown_account')
        : batchError(index, 'accountNo', e.accountNo, reason, 'unknown_account'),
    );
  });
  if (errors.length > 0) return { ok: false, errors };

  const result = await appendLedgerEntries(
    ds,
    entries.map((e) => ({
      accountId: ids.get(accountKeyText(e))!,
      entryRef: e.entryRef,
      amount: e.amount,
      postedAt: e.postedAt,
      providerRef: e.providerRef ?? null,
    })),
    { onConflict: 'rollback', beforeCommit },
  );
  if (result.conflicts.length === 0 && result.outOfRange.length === 0) {
    return { ok: true, inserted: result.inserted, duplicates: result.duplicates };
  }
  const outOfRange = result.outOfRange.map((o) =>
    batchError(
      o.index,
      'amount',
      formatAmount(o.amount),
      balanceOutOfRangeReason(o),
      'balance_out_of_range',
    ),
  );
  const conflicts = result.conflicts.map((c) => {
    const kept = `amount ${formatAmount(c.existingAmount)}, postedAt ${c.existingPostedAt.toISOString()}`;
    const reason =
      c.existingIn === 'ledger'
        ? `entryRef ${JSON.stringify(c.entryRef)} is already recorded with ${kept}; a recorded entry is never overwritten`
        : `entryRef ${JSON.stringify(c.entryRef)} appears earlier in the batch with ${kept}`;
    return c.existingAmount !== c.newAmount
      ? batchError(c.index, 'amount', formatAmount(c.newAmount), reason, 'conflict')
      : batchError(c.index, 'postedAt', c.newPostedAt.toISOString(), reason, 'conflict');
  });
  return {
    ok: false,
    errors: [...conflicts, ...outOfRange].sort((a, b) => a.index! - b.index!),
  };
}
