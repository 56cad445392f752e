/**
 * A provider's `Retry-After` header (RFC 9110 §10.2.3): how long it asks to be left alone,
 * as delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, or the obsolete
 * RFC 850 and asctime forms a recipient must accept, RFC 9110 §5.6.7).
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = DAYS.join('|');
const MONTH = MONTHS.join('|');
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(`^(?:${DAY}), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850_DATE = new RegExp(
  `^(?:${LONG_DAYS.join('|')}), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`,
);
/** `Sun Nov  6 08:49:37 1994` */
const ASCTIME_DATE = new RegExp(`^(?:${DAY}) (${MONTH}) ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** The instant of an HTTP-date in milliseconds, or null when it is not one (or no real date). */
export function parseHttpDate(text: string): number | null {
  let parts: { day: string; month: string; year: number; h: string; m: string; s: string };
  let match: RegExpExecArray | null;
  if ((match = IMF_FIXDATE.exec(text))) {
    const [, day, month, year, h, m, s] = match;
    parts = { day, month, year: Number(year), h, m, s };
  } else if ((match = RFC850_DATE.exec(text))) {
    const [, day, month, yy, h, m, s] = match;
    // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
    const thisYear = new Date().getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(yy);
    if (year > thisYear + 50) year -= 100;
    parts = { day, month, year, h, m, s };
  } else if ((match = ASCTIME_DATE.exec(text))) {
    const [, month, day, h, m, s, year] = match;
    parts = { day: day.trim(), month, year: Number(year), h, m, s };
  } else {
    return null;
  }
  const month = MONTHS.indexOf(parts.month);
  const [day, h, m, s] = [parts.day, parts.h, parts.m, parts.s].map(Number);
  if (day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return null;
  const ms = Date.UTC(parts.year, month, day, h, m, Math.min(s, 59));
  // 31 Feb rolls over into March: not a date.
  return new Date(ms).getUTCDate() === day ? ms : null;
}

/**
 * The wait a `Retry-After` value asks for, in milliseconds: delta-seconds, or the time from
 * `nowMs` to an HTTP-date (0 for a date already past). `null` when there is no header or it
 * is neither (garbage, a negative or fractional number): the caller's own pause applies then.
 * Not capped (see {@link rateLimitPauseMs}), only kept to a safe integer.
 */
export function parseRetryAfter(
  value: string | undefined,
  nowMs: number = Date.now(),
): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  const at = parseHttpDate(text);
  return at === null ? null : Math.max(0, at - nowMs);
}

/**
 * How long to leave a provider alone after it asked us to slow down: our own pause, or the
 * provider's `Retry-After` when longer, but never more than `maxPauseMs` of it (a provider
 * asking for a day would stall every run).
 */
export function rateLimitPauseMs(
  retryAfterMs: number | null,
  limits: { pauseMs: number; maxPauseMs: number },
): number {
  return Math.max(limits.pauseMs, Math.min(retryAfterMs ?? 0, limits.maxPauseMs));
}
