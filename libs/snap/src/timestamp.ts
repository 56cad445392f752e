/** Jakarta is UTC+7 all year (no daylight saving), so a fixed offset is exact. */
const JAKARTA_OFFSET_MS = 7 * 60 * 60 * 1000;

/** The SNAP timestamp pattern: `yyyy-MM-ddTHH:mm:ss` plus a `±HH:mm` offset, no milliseconds. */
export const SNAP_TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Formats an instant as a SNAP `X-TIMESTAMP` in Jakarta time, e.g. `2026-11-21T17:05:09+07:00`.
 * Independent of the machine's time zone: the offset is applied to UTC fields.
 */
export function jakartaTimestamp(at: Date = new Date()): string {
  const t = new Date(at.getTime() + JAKARTA_OFFSET_MS);
  return (
    `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}` +
    `T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}+07:00`
  );
}

/** The Jakarta calendar day (`yyyyMMdd`) an instant falls on; X-EXTERNAL-ID uniqueness is per this day. */
export function jakartaDay(at: Date = new Date()): string {
  return jakartaTimestamp(at).slice(0, 10).replace(/-/g, '');
}

/**
 * Parses a SNAP timestamp. Returns `null` when the text is not of the SNAP pattern
 * (milliseconds, `Z`, missing offset) or names an impossible date.
 */
export function parseSnapTimestamp(text: string): Date | null {
  if (!SNAP_TIMESTAMP_PATTERN.test(text)) return null;
  const parsed = new Date(text);
  if (Number.isNaN(parsed.getTime())) return null;
  // Reject dates that the Date constructor silently rolls over (e.g. Feb 30).
  const offsetSign = text[19] === '-' ? -1 : 1;
  const offsetMs =
    offsetSign * (Number(text.slice(20, 22)) * 3_600_000 + Number(text.slice(23, 25)) * 60_000);
  const local = new Date(parsed.getTime() + offsetMs).toISOString().slice(0, 19);
  return local === text.slice(0, 19) ? parsed : null;
}
