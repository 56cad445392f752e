import { redactSecretValues } from '@app/snap';

/** Longest value text echoed back in an error; longer values are cut with an ellipsis. */
const MAX_ECHO = 200;

/**
 * A value as it appears in an error message: quoted, control characters escaped, never a
 * configured secret (an API key pasted into a field; redacted before cutting, so no part of
 * one shows either), cut when long.
 */
export function echoValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  let text: string;
  try {
    text = typeof value === 'bigint' ? value.toString() : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return cut(redactSecretValues(text));
}

/**
 * One rejected CSV row (or one problem of it: a row with two bad fields gives two errors).
 * `line` is the 1-based line of the file where the record starts; the header is line 1.
 */
export interface RowError {
  line: number;
  /** The CSV column name, `(header)` for the header row or `(row)` for the record as a whole. */
  field: string;
  /** The field's text as read (for `(row)`, the raw record), cut when long. */
  value: string;
  /** What is wrong, without the field or value: `must be one of netzme, nicepay, finnet`. */
  reason: string;
  /** Full sentence naming line, field and value: `line 7, amount "12.5": must be ...`. */
  message: string;
}

/** A text cut when long. */
function cut(value: string): string {
  return value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
}

/** A text as an error shows it: never a configured secret, cut when long. */
const shown = (value: string) => cut(redactSecretValues(value));

/** `amount "12.5": must be ...`: one bad field of a row, as its message names it. */
export function fieldProblem(field: string, value: string, reason: string): string {
  // echoValue redacts, then cuts: cut first, a secret across the cut would show in part.
  return `${shown(field)} ${echoValue(value)}: ${reason}`;
}

/** Builds a {@link RowError} with its message. */
export function rowError(line: number, field: string, value: string, reason: string): RowError {
  return {
    line,
    field: shown(field),
    value: shown(value),
    reason,
    message: `line ${line}, ${fieldProblem(field, value, reason)}`,
  };
}

/** One bad field of a CSV row: its column, its text as read, and what is wrong. */
export interface FieldProblem {
  field: string;
  value: string;
  reason: string;
}

/**
 * One error for a row with one or more bad fields: the first (in column order) is the error's
 * field, and its reason goes on to name the others (`; also <field> "<value>": <reason>`), so
 * one import shows all that is wrong with the row.
 */
export function rowErrorOfFields(
  line: number,
  [first, ...others]: readonly [FieldProblem, ...FieldProblem[]],
): RowError {
  const also = others.map((o) => `; also ${fieldProblem(o.field, o.value, o.reason)}`);
  return rowError(line, first.field, first.value, first.reason + also.join(''));
}

/**
 * Why an API batch entry was refused; the HTTP layer maps `conflict` to 409, `invalid` to 400,
 * `unknown_account` and `balance_out_of_range` to 422.
 */
export type BatchErrorCode = 'invalid' | 'unknown_account' | 'conflict' | 'balance_out_of_range';

/**
 * One problem of a `POST /ledger/entries` batch. `index` is the entry's position in
 * `entries` (null for a problem of the body itself, e.g. too many entries).
 */
export interface BatchEntryError {
  index: number | null;
  /** The entry's property (`amount`, `postedAt`, an unknown key ...) or `entries` / `body`. */
  field: string;
  /** The offending value as sent (a summary for whole arrays). */
  value: unknown;
  reason: string;
  code: BatchErrorCode;
  /** Full sentence: `entries[3].amount "12.5": must be ...`. */
  message: string;
}

/**
 * A sent value made safe to return: never a configured secret, long strings cut, objects and
 * arrays summarized as text.
 */
function safeValue(value: unknown): unknown {
  if (typeof value === 'string') return shown(value);
  if (value !== null && typeof value === 'object') return echoValue(value);
  return value;
}

/** Builds a {@link BatchEntryError} with its message. */
export function batchError(
  index: number | null,
  field: string,
  value: unknown,
  reason: string,
  code: BatchErrorCode = 'invalid',
): BatchEntryError {
  const name = shown(field);
  const where = index === null ? name : `entries[${index}].${name}`;
  const sent = safeValue(value);
  return {
    index,
    field: name,
    value: sent,
    reason,
    code,
    message: `${where} ${echoValue(sent)}: ${reason}`,
  };
}
