import { demoAccountCount } from './demo-account-count';

describe('demoAccountCount (DEMO_ACCOUNTS)', () => {
  it('reads plain decimal digits; unset or empty is the default of 300', () => {
    expect(demoAccountCount('12')).toBe(12);
    expect(demoAccountCount('99999')).toBe(99_999);
    expect(demoAccountCount(undefined)).toBe(300);
    expect(demoAccountCount('')).toBe(300);
  });

  it('refuses anything else, naming the variable and the value (Number() took all of these)', () => {
    for (const bad of ['abc', '1e3', '2.5', '0', '-5', ' 5', '0x10', '100000'])
      expect(() => demoAccountCount(bad)).toThrow(
        `DEMO_ACCOUNTS=${JSON.stringify(bad)}: must be a whole number of accounts from 1 to 99999`,
      );
  });
});
