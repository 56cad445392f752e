import {
  AMOUNT_PATTERN,
  amountRangeProblem,
  PROVIDERS,
  ProviderName,
  isProviderName,
  parseAmount,
} from '@app/snap';
import { parseIsoInstant } from './iso-instant';

/** A field check's outcome: the parsed value, or why the text was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Merchant ids, account numbers and credential-set names (the schema's CHECK constraint). */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** ISO 4217 style currency code. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
/** Longest entry reference, in characters. */
export const MAX_ENTRY_REF_LENGTH = 128;
/** Longest merchant name, in characters. */
export const MAX_MERCHANT_NAME_LENGTH = 200;

/**
 * Length in characters (code points). The UTF-16 length is an upper bound, so the costly count
 * is only made for texts that might be too long.
 */
export function charLength(text: string, limit: number): number {
  return text.length <= limit ? text.length : [...text].length;
}

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const no = <T>(reason: string): Checked<T> => ({ ok: false, reason });
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** An id of 1 to 64 letters, digits, `.`, `_` or `-`. */
export function checkId(text: string): Checked<string> {
  return ID_PATTERN.test(text) ? ok(text) : no('must be 1 to 64 letters, digits, ".", "_" or "-"');
}

/**
 * A seller id (NICEPay `msId`) in a CSV cell: the id rule, and empty means none (the
 * merchant's own account).
 */
export function checkSellerCell(text: string): Checked<string | null> {
  return text === '' ? ok(null) : checkId(text);
}

/** One of the providers snap-recon knows. */
export function checkProvider(text: string): Checked<ProviderName> {
  return isProviderName(text) ? ok(text) : no(`must be one of ${PROVIDERS.join(', ')}`);
}

/**
 * An account's currency: IDR, the one every provider's page shows a balance in. Amounts are
 * kept in IDR's minor units (two decimals), and a run's totals and the pages add and show
 * them as rupiah: another currency would be summed with it and shown as `Rp`.
 */
export function checkCurrency(text: string): Checked<string> {
  if (!CURRENCY_PATTERN.test(text)) return no('must be three upper-case letters, like IDR');
  return text === 'IDR'
    ? ok(text)
    : no(
        "only IDR is reconciled: every provider's page shows IDR balances, and a run's totals and the pages are in rupiah",
      );
}

/** A merchant's display name: 1 to 200 characters, not blank, no control characters. */
export function checkMerchantName(text: string): Checked<string> {
  if (text.trim() === '') return no('must not be empty');
  if (charLength(text, MAX_MERCHANT_NAME_LENGTH) > MAX_MERCHANT_NAME_LENGTH) {
    return no(`must be at most ${MAX_MERCHANT_NAME_LENGTH} characters`);
  }
  return CONTROL.test(text) ? no('must not contain control characters') : ok(text);
}

/** The caller's reference of a ledger entry: 1 to 128 characters, no control characters. */
export function checkEntryRef(text: string): Checked<string> {
  if (text === '') return no('must not be empty');
  if (charLength(text, MAX_ENTRY_REF_LENGTH) > MAX_ENTRY_REF_LENGTH) {
    return no(`must be at most ${MAX_ENTRY_REF_LENGTH} characters`);
  }
  return CONTROL.test(text) ? no('must not contain control characters') : ok(text);
}

/**
 * The provider's transaction id (optional; empty in a CSV means none): the same rules as an
 * entry reference.
 */
export function checkProviderRef(text: string): Checked<string | null> {
  return text === '' ? ok(null) : checkEntryRef(text);
}

/** A SNAP amount text (`-?digits.dd`), as exact minor units. */
export function checkAmount(text: string): Checked<bigint> {
  if (!AMOUNT_PATTERN.test(text)) {
    const range = amountRangeProblem(text);
    if (range) return no(range);
    return no(
      'must be a decimal with exactly two places and no separators, like 1000.00 or -12.50',
    );
  }
  return ok(parseAmount(text));
}

/** How far ahead of the server's clock a ledger entry's posted time may be. */
export const MAX_POSTED_AHEAD_MS = 24 * 3_600_000;

/**
 * An ISO-8601 date-time with an explicit zone (see {@link parseIsoInstant}), at most
 * {@link MAX_POSTED_AHEAD_MS} ahead of now. An entry dated later is a typo (a year, a day-first
 * date) far more often than a movement booked ahead: taken in, it would change the balance of
 * a run that day and never be noticed before. One within a day is kept (a value-dated entry,
 * clocks apart): the as-of balance leaves it out until its time.
 */
export function checkPostedAt(text: string, now = Date.now()): Checked<Date> {
  const parsed = parseIsoInstant(text);
  if (!parsed.ok || parsed.value.getTime() - now <= MAX_POSTED_AHEAD_MS) return parsed;
  return no(
    `is more than 24 hours ahead of this server's clock (${new Date(now).toISOString()}); ` +
      'a ledger entry records a movement that has happened',
  );
}
