import { z } from 'zod';
import type { ProviderName } from '@app/snap';
import {
  Checked,
  checkAmount,
  checkEntryRef,
  checkId,
  checkPostedAt,
  checkProvider,
} from './field-rules';
import { BatchEntryError, batchError } from './row-error';

/** Most entries accepted in one `POST /ledger/entries` batch. */
export const MAX_LEDGER_BATCH = 10_000;

/** A string field checked (and parsed) by one of the ingestion field rules. */
const checked = <T>(check: (text: string) => Checked<T>) =>
  z
    .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
    .transform((text, ctx): T => {
      const result = check(text);
      if (result.ok) return result.value;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: result.reason });
      return z.NEVER;
    });

/**
 * One entry of a `POST /ledger/entries` body. `amount` is a `-?digits.dd` string (never a
 * JSON number, which would be a float), `postedAt` ISO-8601 with an explicit zone. Unknown
 * properties are refused.
 */
export const ledgerBatchEntrySchema = z
  .object({
    provider: checked(checkProvider),
    accountNo: checked(checkId),
    entryRef: checked(checkEntryRef),
    amount: checked(checkAmount),
    postedAt: checked(checkPostedAt),
  })
  .strict();

/** The body of `POST /ledger/entries`: 1 to 10,000 entries, nothing else. */
export const ledgerBatchSchema = z
  .object({ entries: z.array(ledgerBatchEntrySchema).min(1).max(MAX_LEDGER_BATCH) })
  .strict();

/** A validated batch entry: amount in minor units, time as an instant. */
export interface LedgerBatchEntry {
  provider: ProviderName;
  accountNo: string;
  entryRef: string;
  amount: bigint;
  postedAt: Date;
}

/** Outcome of {@link validateLedgerBatch}. */
export type LedgerBatchValidation =
  { ok: true; entries: LedgerBatchEntry[] } | { ok: false; errors: BatchEntryError[] };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Errors for the body itself; checked before the entries so a huge array is not walked. */
function bodyErrors(body: unknown): BatchEntryError[] {
  if (!isRecord(body))
    return [batchError(null, 'body', body, 'must be a JSON object with an entries array')];
  const errors = Object.keys(body)
    .filter((k) => k !== 'entries')
    .map((k) => batchError(null, k, body[k], 'is not a known field'));
  const entries = body.entries;
  if (!Array.isArray(entries)) {
    errors.push(batchError(null, 'entries', entries, 'must be an array of entries'));
  } else if (entries.length === 0 || entries.length > MAX_LEDGER_BATCH) {
    errors.push(
      batchError(
        null,
        'entries',
        `${entries.length} entries`,
        `must hold 1 to ${MAX_LEDGER_BATCH} entries; split larger batches`,
      ),
    );
  }
  return errors;
}

/** Entries repeating a reference of an earlier entry with another amount or time. */
function repeatErrors(entries: LedgerBatchEntry[]): BatchEntryError[] {
  const first = new Map<string, number>();
  const errors: BatchEntryError[] = [];
  entries.forEach((e, i) => {
    const key = `${e.provider}/${e.accountNo}\u0000${e.entryRef}`;
    const j = first.get(key);
    if (j === undefined) {
      first.set(key, i);
      return;
    }
    const kept = entries[j];
    if (kept.amount !== e.amount) {
      errors.push(
        batchError(i, 'entryRef', e.entryRef, `repeats entries[${j}] with another amount`),
      );
    } else if (kept.postedAt.getTime() !== e.postedAt.getTime()) {
      errors.push(
        batchError(i, 'entryRef', e.entryRef, `repeats entries[${j}] with another postedAt`),
      );
    }
  });
  return errors;
}

/**
 * Validates a `POST /ledger/entries` body. Returns the typed entries, or every problem found,
 * each naming the entry's index, the field, the value sent and the reason. An entry repeating
 * an earlier entry's reference identically is accepted (it will count as a duplicate); with
 * another amount or time it is an error.
 */
export function validateLedgerBatch(body: unknown): LedgerBatchValidation {
  const errors = bodyErrors(body);
  if (errors.length > 0) return { ok: false, errors };
  const parsed = ledgerBatchSchema.safeParse(body);
  if (!parsed.success) {
    const entries = (body as { entries: unknown[] }).entries;
    for (const issue of parsed.error.issues) {
      const [, index, field] = issue.path as [string, number, string | undefined];
      const entry = entries[index];
      if (issue.code === z.ZodIssueCode.unrecognized_keys) {
        for (const key of issue.keys) {
          errors.push(
            batchError(index, key, (entry as Record<string, unknown>)[key], 'is not a known field'),
          );
        }
      } else if (field === undefined) {
        errors.push(batchError(index, '(entry)', entry, 'must be an object'));
      } else {
        errors.push(
          batchError(index, field, isRecord(entry) ? entry[field] : undefined, issue.message),
        );
      }
    }
    return { ok: false, errors: errors.sort((a, b) => (a.index ?? -1) - (b.index ?? -1)) };
  }
  const entries = parsed.data.entries as LedgerBatchEntry[];
  const repeats = repeatErrors(entries);
  return repeats.length > 0 ? { ok: false, errors: repeats } : { ok: true, entries };
}
