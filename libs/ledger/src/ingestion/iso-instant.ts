import type { Checked } from './field-rules';

const WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/;
const WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True for a valid Date in UTC years 1000 to 9999 (a four-digit ISO year both ways). */
export function isStorableInstant(at: Date): boolean {
  const year = at.getUTCFullYear();
  return !Number.isNaN(at.getTime()) && year >= 1000 && year <= 9999;
}

/**
 * Parses an ISO-8601 date-time that names its zone: `2026-11-21T10:00:00Z`,
 * `2026-11-21T17:00:00+07:00` (also `+0700`, `+07`, seconds and fraction optional).
 * A local time without a zone is refused: which instant it means would depend on the machine.
 * Impossible dates (Feb 30, 24:00) and sub-millisecond digits other than zeros are refused too,
 * since the ledger keeps milliseconds and an import must not silently round a timestamp.
 */
export function parseIsoInstant(text: string): Checked<Date> {
  const m = WITH_ZONE.exec(text);
  if (!m) {
    if (WITHOUT_ZONE.test(text)) {
      return { ok: false, reason: 'has no time zone; add Z or an offset like +07:00' };
    }
    return {
      ok: false,
      reason: 'must be an ISO-8601 date-time with a zone, like 2026-11-21T10:00:00+07:00',
    };
  }
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: 'is not a calendar date' };
  }
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return { ok: false, reason: 'is not a time of day (00:00:00 to 23:59:59)' };
  }
  if (/[1-9]/.test(fraction.slice(3))) {
    return { ok: false, reason: 'has sub-millisecond digits; the ledger keeps milliseconds' };
  }
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 14 || om > 59) return { ok: false, reason: 'has a zone offset out of range' };
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(Number(h), Number(mi), Number(s), Number(fraction.slice(0, 3).padEnd(3, '0')));
  const value = new Date(at.getTime() - offsetMinutes * 60_000);
  if (!isStorableInstant(value))
    return { ok: false, reason: 'is out of range (years 1000 to 9999)' };
  return { ok: true, value };
}
