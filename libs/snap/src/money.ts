import { show } from './response-body';

/** A SNAP amount: optional minus, 1 to 16 integer digits, exactly two decimals. */
export const AMOUNT_PATTERN = /^-?\d{1,16}\.\d{2}$/;

/**
 * Why a text of the amount form `-?digits.dd` is still not a SNAP amount (more than 16 digits
 * before the point), or null. Saying "not of the form" there would send a reader looking for
 * a missing decimal the text has.
 */
export function amountRangeProblem(value: unknown): string | null {
  const digits = typeof value === 'string' ? /^-?(\d{17,})\.\d{2}$/.exec(value)?.[1] : undefined;
  return digits
    ? `has ${digits.length} digits before the point; a SNAP amount has at most 16 (9999999999999999.99)`
    : null;
}

/** Thrown when an amount text is not a SNAP amount; names the field and the value. */
export class AmountFormatError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(
      `${field}: ${show(value)} ${amountRangeProblem(value) ?? 'is not an amount of the form -?digits.dd'}`,
    );
    this.name = 'AmountFormatError';
  }
}

/**
 * Parses `"10000.00"` into minor units (`1000000n`) exactly; no floating point is involved.
 * @param field the field name to report when the value is rejected
 */
export function parseAmount(value: unknown, field = 'amount'): bigint {
  if (typeof value !== 'string' || !AMOUNT_PATTERN.test(value)) {
    throw new AmountFormatError(field, value);
  }
  const negative = value.startsWith('-');
  const digits = (negative ? value.slice(1) : value).replace('.', '');
  const minor = BigInt(digits);
  return negative ? -minor : minor;
}

/** Formats minor units as a two-decimal string: `1000000n` → `"10000.00"`, `-5n` → `"-0.05"`. */
export function formatAmount(minor: bigint): string {
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${abs.slice(0, -2)}.${abs.slice(-2)}`;
}

/** Absolute value of a bigint. */
export function absAmount(minor: bigint): bigint {
  return minor < 0n ? -minor : minor;
}
