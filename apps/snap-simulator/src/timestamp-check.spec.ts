import { checkTimestamp, parseTimestamp } from './timestamp-check';

describe('X-TIMESTAMP as the pages write it (yyyy-MM-ddTHH:mm:ssTZD)', () => {
  it('reads an offset or Z as the same instant', () => {
    const jakarta = parseTimestamp('2022-08-10T00:00:00+07:00');
    expect(jakarta).toEqual({ ms: Date.parse('2022-08-09T17:00:00Z'), offset: '+07:00' });
    expect(parseTimestamp('2022-08-09T17:00:00Z')?.ms).toBe(jakarta?.ms);
  });

  it.each([
    '2022-08-10T00:00:00.123+07:00',
    '2022-08-10T00:00:00',
    '2022-08-10 00:00:00+07:00',
    '2022-02-30T00:00:00+07:00',
    '2022-08-10T24:00:00+07:00',
    '2022-08-10T00:00:00+0700',
  ])('refuses %s', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });

  const settings = {
    timestampSkewMs: 60_000,
    timestampClockOffsetMs: 0,
    requiredTimestampOffset: null,
  };
  const now = Date.parse('2022-08-09T17:00:30Z');

  it('NICEPay’s page demands Jakarta time; Netzme’s takes any offset', () => {
    const utc = '2022-08-09T17:00:00Z';
    expect(
      checkTimestamp(utc, now, settings, { name: 'nicepay', timestampOffset: '+07:00' })?.reason,
    ).toContain('expected +07:00');
    expect(
      checkTimestamp(utc, now, settings, { name: 'netzme', timestampOffset: 'any' }),
    ).toBeNull();
  });

  it('outside the skew is 400xx01 naming the distance', () => {
    const r = checkTimestamp('2022-08-10T00:05:00+07:00', now, settings, {
      name: 'netzme',
      timestampOffset: 'any',
    });
    expect(r).toMatchObject({ httpStatus: 400, caseCode: '01' });
    expect(r?.reason).toContain('270s');
  });
});
