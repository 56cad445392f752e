import { parseIsoInstant } from './iso-instant';

const at = (text: string) => {
  const r = parseIsoInstant(text);
  return r.ok ? r.value.toISOString() : `refused: ${r.reason}`;
};

describe('parseIsoInstant', () => {
  it('accepts date-times with Z or an offset, in every ISO spelling of the offset', () => {
    expect(at('2026-11-21T10:00:00Z')).toBe('2026-11-21T10:00:00.000Z');
    expect(at('2026-11-21T17:00:00+07:00')).toBe('2026-11-21T10:00:00.000Z');
    expect(at('2026-11-21T17:00:00+0700')).toBe('2026-11-21T10:00:00.000Z');
    expect(at('2026-11-21T17:00+07')).toBe('2026-11-21T10:00:00.000Z');
    expect(at('2026-11-21T05:30:00-04:30')).toBe('2026-11-21T10:00:00.000Z');
    expect(at('2026-11-21T10:00:00.5Z')).toBe('2026-11-21T10:00:00.500Z');
    expect(at('2026-11-21T10:00:00.123000+00:00')).toBe('2026-11-21T10:00:00.123Z');
    expect(at('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(at('1000-01-01T00:00:00Z')).toBe('1000-01-01T00:00:00.000Z');
  });

  it('refuses a time without zone, impossible dates and times, and sub-millisecond digits', () => {
    expect(at('2026-11-21T10:00:00')).toBe(
      'refused: has no time zone; add Z or an offset like +07:00',
    );
    expect(at('2026-11-21 10:00:00')).toBe(
      'refused: has no time zone; add Z or an offset like +07:00',
    );
    expect(at('2026-11-21')).toMatch(/^refused: must be an ISO-8601 date-time with a zone/);
    expect(at('2026-11-21T10:00:00z')).toMatch(/^refused: must be an ISO-8601/);
    expect(at('1763719200')).toMatch(/^refused: must be an ISO-8601/);
    expect(at('2025-02-29T00:00:00Z')).toBe('refused: is not a calendar date');
    expect(at('2026-04-31T00:00:00Z')).toBe('refused: is not a calendar date');
    expect(at('2026-13-01T00:00:00Z')).toBe('refused: is not a calendar date');
    expect(at('2026-11-21T24:00:00Z')).toBe('refused: is not a time of day (00:00:00 to 23:59:59)');
    expect(at('2026-11-21T10:60:00Z')).toBe('refused: is not a time of day (00:00:00 to 23:59:59)');
    expect(at('2026-11-21T10:00:00+15:00')).toBe('refused: has a zone offset out of range');
    expect(at('0099-01-01T00:00:00Z')).toBe('refused: is out of range (years 1000 to 9999)');
    expect(at('9999-12-31T23:00:00-14:00')).toBe('refused: is out of range (years 1000 to 9999)');
    expect(at('2026-11-21T10:00:00.1234Z')).toBe(
      'refused: has sub-millisecond digits; the ledger keeps milliseconds',
    );
  });
});
