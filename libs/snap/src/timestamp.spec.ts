import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from '@swc/core';
import {
  jakartaDay,
  jakartaTimestamp,
  parseSnapTimestamp,
  SNAP_TIMESTAMP_PATTERN,
} from './timestamp';

describe('jakartaTimestamp', () => {
  const instant = new Date('2026-11-21T10:05:09.987Z');

  it('formats a fixed instant in Jakarta time, without milliseconds', () => {
    expect(jakartaTimestamp(instant)).toBe('2026-11-21T17:05:09+07:00');
    expect(jakartaTimestamp(instant)).toMatch(SNAP_TIMESTAMP_PATTERN);
  });

  describe('does not depend on the process time zone', () => {
    // Jest gives each test file a copy of process.env, so setting TZ here would not reach the
    // runtime: run the compiled module in child processes started with each TZ instead.
    let dir: string;
    let script: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'snap-tz-'));
      const { code } = transformSync(readFileSync(join(__dirname, 'timestamp.ts'), 'utf8'), {
        filename: 'timestamp.ts',
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      writeFileSync(join(dir, 'timestamp.js'), code);
      script = join(dir, 'probe.js');
      writeFileSync(
        script,
        `const t = require('./timestamp.js');
const at = new Date(${JSON.stringify(instant.toISOString())});
process.stdout.write(JSON.stringify({ ts: t.jakartaTimestamp(at), day: t.jakartaDay(at), localHour: at.getHours() }));`,
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const run = (tz: string) =>
      JSON.parse(
        execFileSync(process.execPath, [script], { env: { ...process.env, TZ: tz } }).toString(),
      ) as {
        ts: string;
        day: string;
        localHour: number;
      };

    it.each([
      'UTC',
      'America/New_York',
      'Asia/Tokyo',
      'Pacific/Kiritimati',
      'Asia/Jakarta',
      'Pacific/Pago_Pago',
    ])('TZ=%s', (tz) => {
      const out = run(tz);
      expect(out.ts).toBe('2026-11-21T17:05:09+07:00');
      expect(out.day).toBe('20261121');
    });

    it('the children really ran in different zones (so the test means something)', () => {
      const hours = new Set(
        ['UTC', 'America/New_York', 'Asia/Tokyo'].map((tz) => run(tz).localHour),
      );
      expect(hours.size).toBe(3);
    });
  });

  it('crosses midnight and the year in Jakarta before UTC does', () => {
    const t = new Date('2025-12-31T17:00:00Z');
    expect(jakartaTimestamp(t)).toBe('2026-01-01T00:00:00+07:00');
    expect(jakartaDay(t)).toBe('20260101');
    expect(jakartaDay(new Date('2025-12-31T16:59:59.999Z'))).toBe('20251231');
  });

  it('handles a leap day and pads every field', () => {
    expect(jakartaTimestamp(new Date('2028-02-28T20:01:02Z'))).toBe('2028-02-29T03:01:02+07:00');
    expect(jakartaTimestamp(new Date('2030-01-01T00:00:00Z'))).toBe('2030-01-01T07:00:00+07:00');
  });

  it('round-trips through parseSnapTimestamp to the second', () => {
    const parsed = parseSnapTimestamp(jakartaTimestamp(instant));
    expect(parsed?.getTime()).toBe(Math.floor(instant.getTime() / 1000) * 1000);
  });
});

describe('parseSnapTimestamp', () => {
  it.each([
    ['2026-11-21T17:05:09+07:00', '2026-11-21T10:05:09.000Z'],
    ['2026-11-21T10:05:09+00:00', '2026-11-21T10:05:09.000Z'],
    ['2026-11-21T05:05:09-05:00', '2026-11-21T10:05:09.000Z'],
  ])('accepts %s', (text, iso) => {
    expect(parseSnapTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['milliseconds', '2026-11-21T17:05:09.123+07:00'],
    ['Z instead of an offset', '2026-11-21T10:05:09Z'],
    ['no offset', '2026-11-21T17:05:09'],
    ['offset without colon', '2026-11-21T17:05:09+0700'],
    ['a space instead of T', '2026-11-21 17:05:09+07:00'],
    ['February 30', '2026-02-30T10:00:00+07:00'],
    ['hour 24', '2026-11-21T24:00:00+07:00'],
    ['empty', ''],
  ])('rejects %s', (_why, text) => {
    expect(parseSnapTimestamp(text)).toBeNull();
  });
});
