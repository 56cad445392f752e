import type { ProviderRules } from './providers';
import { reject, Rejection } from './replies';
import type { SimulatorSettings } from './specs';

/**
 * `yyyy-MM-ddTHH:mm:ssTZD` as the pages write X-TIMESTAMP: seconds, no fraction, and a time
 * zone designator (`Z` or `±HH:mm`, W3C's TZD).
 */
const SNAP_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|([+-])(\d{2}):(\d{2}))$/;

/** The instant an X-TIMESTAMP names, or `null` when it is not of the pages' form or not a real date. */
export function parseTimestamp(text: string): { ms: number; offset: string } | null {
  const m = SNAP_TIMESTAMP.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const local = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(local);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) return null; // e.g. Feb 30
  let offsetMs = 0;
  if (m[7] !== 'Z') {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return null;
    offsetMs = (m[8] === '-' ? -1 : 1) * (oh * 3_600_000 + om * 60_000);
  }
  return { ms: local - offsetMs, offset: m[7] };
}

/**
 * Checks an `X-TIMESTAMP`: present (else `400xx02`), of the pages' form, with the offset the
 * provider's page demands (NICEPay: Jakarta time) and the `requiredTimestampOffset` setting if
 * set, and within the allowed skew of the simulator's clock (shifted by
 * `timestampClockOffsetMs`) (else `400xx01`).
 */
export function checkTimestamp(
  value: string | undefined,
  simulatorNow: number,
  settings: Pick<
    SimulatorSettings,
    'timestampSkewMs' | 'timestampClockOffsetMs' | 'requiredTimestampOffset'
  >,
  rules: Pick<ProviderRules, 'name' | 'timestampOffset'>,
): Rejection | null {
  const skewMs = settings.timestampSkewMs;
  const now = simulatorNow + settings.timestampClockOffsetMs;
  if (value === undefined || value === '') {
    return reject(400, '02', 'X-TIMESTAMP header is missing', '[X-TIMESTAMP]');
  }
  const parsed = parseTimestamp(value);
  if (!parsed) {
    return reject(
      400,
      '01',
      `X-TIMESTAMP ${JSON.stringify(value)} is not yyyy-MM-ddTHH:mm:ssTZD (time zone required, no fraction of a second)`,
      '[X-TIMESTAMP]',
    );
  }
  const required =
    settings.requiredTimestampOffset ??
    (rules.timestampOffset === 'any' ? null : rules.timestampOffset);
  if (required && parsed.offset !== required) {
    return reject(
      400,
      '01',
      `X-TIMESTAMP ${value} has offset ${parsed.offset}, expected ${required}` +
        (settings.requiredTimestampOffset ? '' : ` (${rules.name}'s page demands it)`),
      '[X-TIMESTAMP]',
    );
  }
  const skew = parsed.ms - now;
  if (Math.abs(skew) > skewMs) {
    return reject(
      400,
      '01',
      `X-TIMESTAMP ${value} is ${Math.round(skew / 1000)}s from the simulator's clock (allowed ±${Math.round(skewMs / 1000)}s)`,
      '[X-TIMESTAMP]',
    );
  }
  return null;
}
