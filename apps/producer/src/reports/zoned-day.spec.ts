import { formatInZone, isCalendarDate, startOfDay } from './zoned-day';

describe('zoned days', () => {
  it('knows real calendar dates', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2025-02-29')).toBe(false);
    expect(isCalendarDate('2025-13-01')).toBe(false);
    expect(isCalendarDate('2025-1-01')).toBe(false);
    expect(isCalendarDate('2025-01-01T00:00:00Z')).toBe(false);
  });

  it('finds the instant a day begins in a time zone, and the next day', () => {
    expect(startOfDay('2025-11-20', 'Asia/Jakarta').toISOString()).toBe('2025-11-19T17:00:00.000Z');
    expect(startOfDay('2025-11-20', 'Asia/Jakarta', 1).toISOString()).toBe(
      '2025-11-20T17:00:00.000Z',
    );
    expect(startOfDay('2025-12-31', 'UTC', 1).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    // Across daylight saving time: 2025-03-30 starts at +01:00 in Berlin, the 31st at +02:00.
    expect(startOfDay('2025-03-30', 'Europe/Berlin').toISOString()).toBe(
      '2025-03-29T23:00:00.000Z',
    );
    expect(startOfDay('2025-03-30', 'Europe/Berlin', 1).toISOString()).toBe(
      '2025-03-30T22:00:00.000Z',
    );
  });

  it('formats an instant as wall-clock time in a zone', () => {
    expect(formatInZone(new Date('2025-11-19T17:00:00Z'), 'Asia/Jakarta')).toBe(
      '2025-11-20 00:00:00',
    );
    expect(formatInZone(new Date('2025-11-19T16:59:59Z'), 'Asia/Jakarta')).toBe(
      '2025-11-19 23:59:59',
    );
  });
});
