import { MAX_ENTRY_REF_LENGTH, MAX_LEDGER_BATCH } from '@app/ledger';

/**
 * The largest legitimate JSON body: a ledger batch of {@link MAX_LEDGER_BATCH} entries, each
 * with every field at its longest (64-character account number and seller id, 128-character
 * reference and provider reference of 4-byte characters, a 16-digit amount, a time with
 * microseconds and an offset), as
 * `JSON.stringify` writes it. A larger body is refused with 413 before it is parsed.
 */
function largestLedgerBatchBytes(): number {
  const entry = {
    provider: 'nicepay',
    accountNo: 'A'.repeat(64),
    msId: 'S'.repeat(64),
    entryRef: '\u{1F600}'.repeat(MAX_ENTRY_REF_LENGTH),
    amount: `-${'9'.repeat(16)}.99`,
    postedAt: '2026-11-21T10:00:00.123456+07:00',
    providerRef: '\u{1F600}'.repeat(MAX_ENTRY_REF_LENGTH),
  };
  const one = Buffer.byteLength(JSON.stringify(entry));
  return Buffer.byteLength('{"entries":[]}') + MAX_LEDGER_BATCH * (one + 1);
}

/** Largest JSON body in bytes: the largest ledger batch, rounded up to a KiB. */
export const MAX_JSON_BODY_BYTES = Math.ceil(largestLedgerBatchBytes() / 1024) * 1024;

/** Most accounts one `POST /runs` names. */
export const MAX_RUN_ACCOUNTS = 10_000;

/**
 * The largest JSON body of every other route: `POST /runs` naming {@link MAX_RUN_ACCOUNTS}
 * accounts with the longest ids (the discrepancy notes and Bull Board's calls are far smaller).
 */
function largestRunRequestBytes(): number {
  const account = { provider: 'nicepay', accountNo: 'A'.repeat(64), msId: 'S'.repeat(64) };
  const one = Buffer.byteLength(JSON.stringify(account));
  return Buffer.byteLength('{"accounts":[]}') + MAX_RUN_ACCOUNTS * (one + 1);
}

/**
 * Largest JSON body of any route but `POST /ledger/entries`: twice the largest `POST /runs`
 * written minified (room for any indentation a client's JSON library adds; two spaces add
 * 19 %), rounded up to a KiB. A client (of any role: the role is checked after the body is
 * read) cannot make the producer read and parse a ledger batch's worth of bytes where no route
 * takes one.
 */
export const MAX_OTHER_JSON_BODY_BYTES = Math.ceil((2 * largestRunRequestBytes()) / 1024) * 1024;

/** Largest form body (the pages' note forms: a 2,000-character note and a token). */
export const MAX_FORM_BODY_BYTES = 64 * 1024;
