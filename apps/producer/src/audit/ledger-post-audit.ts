import { AccountKey, accountKeyText, LedgerBatchEntry } from '@app/ledger';
import type { Actor, AuditEntry } from '@app/reconciliation';
import { formatAmount } from '@app/snap';

/**
 * The audit records of a stored ledger batch: one per account it touched (so the account's
 * page lists it), with how many entries, their sum and the first and last reference, beside
 * the batch's own figures. A batch that stored nothing (all duplicates) changed nothing.
 */
export function ledgerPostAudit(
  actor: Actor,
  entries: readonly LedgerBatchEntry[],
  outcome: { inserted: number; duplicates: number },
): AuditEntry[] {
  if (outcome.inserted === 0) return [];
  const byAccount = new Map<
    string,
    AccountKey & { count: number; sum: bigint; first: string; last: string }
  >();
  for (const e of entries) {
    const key = accountKeyText(e);
    const seen = byAccount.get(key);
    if (seen) {
      seen.count += 1;
      seen.sum += e.amount;
      seen.last = e.entryRef;
    } else
      byAccount.set(key, {
        provider: e.provider,
        accountNo: e.accountNo,
        msId: e.msId ?? null,
        count: 1,
        sum: e.amount,
        first: e.entryRef,
        last: e.entryRef,
      });
  }
  return [...byAccount.entries()].map(([key, a]) => ({
    actor,
    action: 'ledger.entries.post',
    subjectType: 'account',
    subjectId: key,
    account: { provider: a.provider, accountNo: a.accountNo, msId: a.msId },
    after: {
      entries: a.count,
      amount: formatAmount(a.sum),
      firstEntryRef: a.first,
      lastEntryRef: a.last,
      batch: {
        entries: entries.length,
        inserted: outcome.inserted,
        duplicates: outcome.duplicates,
      },
    },
  }));
}
