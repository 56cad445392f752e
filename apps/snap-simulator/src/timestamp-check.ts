import { parseSnapTimestamp } from '@app/snap';
import { reject, Rejection } from './replies';
import type { SimulatorSettings } from './specs';

/**
 * Checks an `X-TIMESTAMP`: present (else `400xx02`), of the SNAP pattern with an offset and
 * no milliseconds, with the required offset if one is set, and within the allowed skew of the
 * simulator's clock (shifted by `timestampClockOffsetMs`) (else `400xx01`).
 */
export function checkTimestamp(
  value: string | undefined,
  simulatorNow: number,
  settings: Pick<
    SimulatorSettings,
    'timestampSkewMs' | 'timestampClockOffsetMs' | 'requiredTimestampOffset'
  >,
): Rejection | null {
  const skewMs = settings.timestampSkewMs;
  const now = simulatorNow + settings.timestampClockOffsetMs;
  if (value === undefined || value === '') {
    return reject(400, '02', 'X-TIMESTAMP header is missing', '[X-TIMESTAMP]');
  }
  const parsed = parseSnapTimestamp(value);
  if (!parsed) {
    return reject(
      400,
      '01',
      `X-TIMESTAMP ${JSON.stringify(value)} is not yyyy-MM-ddTHH:mm:ss±HH:mm (offset required, no milliseconds)`,
      '[X-TIMESTAMP]',
    );
  }
  const offset = value.slice(19);
  if (settings.requiredTimestampOffset && offset !== settings.requiredTimestampOffset) {
    return reject(
      400,
      '01',
      `X-TIMESTAMP ${value} has offset ${offset}, expected ${settings.requiredTimestampOffset}`,
      '[X-TIMESTAMP]',
    );
  }
  const skew = parsed.getTime() - now;
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
