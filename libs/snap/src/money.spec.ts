import { absAmount, AmountFormatError, formatAmount, parseAmount } from './money';

describe('parseAmount', () => {
  it.each([
    ['10000.00', 1_000_000n],
    ['0.00', 0n],
    ['0.05', 5n],
    ['-0.05', -5n],
    ['-12.30', -1_230n],
    ['1.10', 110n],
    ['9999999999999999.99', 999_999_999_999_999_999n],
    ['0000000000000001.00', 100n],
  ])('%s → %p minor units', (text, minor) => {
    expect(parseAmount(text)).toBe(minor);
  });

  it('is exact beyond the float range where 0.1 + 0.2 goes wrong', () => {
    expect(parseAmount('9007199254740993.01')).toBe(900719925474099301n);
    expect(parseAmount('0.10') + parseAmount('0.20')).toBe(parseAmount('0.30'));
  });

  it.each([
    ['no decimals', '10000'],
    ['one decimal', '10000.0'],
    ['three decimals', '10000.000'],
    ['a thousands separator', '10,000.00'],
    ['a decimal comma', '10000,00'],
    ['leading space', ' 1.00'],
    ['a plus sign', '+1.00'],
    ['exponent', '1e3'],
    ['17 integer digits', '12345678901234567.00'],
    ['empty', ''],
    ['a number', 10000],
    ['a bigint', 100n],
    ['null', null],
    ['undefined', undefined],
    ['NaN text', 'NaN'],
  ])('rejects %s', (_why, value) => {
    expect(() => parseAmount(value, 'availableBalance.value')).toThrow(AmountFormatError);
  });

  it('says an amount with 17 digits before the point is too large, not of the wrong form', () => {
    expect(() => parseAmount('-12345678901234567.00', 'availableBalance.value')).toThrow(
      'availableBalance.value: "-12345678901234567.00" has 17 digits before the point; a SNAP amount has at most 16 (9999999999999999.99)',
    );
  });

  it('names the field and the value in the error', () => {
    expect(() => parseAmount('10,000', 'accountInfos[0].availableBalance.value')).toThrow(
      'accountInfos[0].availableBalance.value: "10,000" is not an amount of the form -?digits.dd',
    );
  });
});

describe('formatAmount', () => {
  it.each([
    [1_000_000n, '10000.00'],
    [0n, '0.00'],
    [5n, '0.05'],
    [-5n, '-0.05'],
    [-1_230n, '-12.30'],
    [999_999_999_999_999_999n, '9999999999999999.99'],
  ])('%p → %s', (minor, text) => {
    expect(formatAmount(minor)).toBe(text);
  });

  it('round-trips with parseAmount', () => {
    for (const v of [0n, 1n, -1n, 99n, 100n, 101n, -100n, 123456789n, -987654321012n]) {
      expect(parseAmount(formatAmount(v))).toBe(v);
    }
  });

  it('absAmount', () => {
    expect(absAmount(-5n)).toBe(5n);
    expect(absAmount(5n)).toBe(5n);
  });
});
