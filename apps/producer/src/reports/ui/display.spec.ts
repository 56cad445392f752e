import { Display, rupiahText } from './display';

describe('rupiahText', () => {
  it('writes amounts as id-ID reads them, from the decimal string, exactly', () => {
    const nbsp = '\u00a0';
    expect(rupiahText('1343486.00')).toBe(`Rp${nbsp}1.343.486,00`);
    expect(rupiahText('0.05')).toBe(`Rp${nbsp}0,05`);
    expect(rupiahText('-10.00')).toBe(`-Rp${nbsp}10,00`);
    expect(rupiahText('-0.50')).toBe(`-Rp${nbsp}0,50`);
    expect(rupiahText('-0.00')).toBe(`Rp${nbsp}0,00`);
    // Beyond 2^53: a float would round; this stays exact.
    expect(rupiahText('92233720368547758.07')).toBe(`Rp${nbsp}92.233.720.368.547.758,07`);
    expect(rupiahText('not an amount')).toBe('not an amount');
  });
});

describe('Display', () => {
  it('writes the amounts inside an explanation as the page writes amounts, and nothing else', () => {
    const nbsp = '\u00a0';
    const line =
      'partly explained: 7 ledger-only entries 769,585.29, 1 amount difference -2.50; remainder 1,000,770,206.30; provider and ledger part after T2 at 2026-12-01T10:00:00.000Z';
    expect(new Display('Asia/Jakarta').amountsIn(line)).toBe(
      `partly explained: 7 ledger-only entries Rp${nbsp}769.585,29, 1 amount difference -Rp${nbsp}2,50; remainder Rp${nbsp}1.000.770.206,30; provider and ledger part after T2 at 2026-12-01T10:00:00.000Z`,
    );
    expect(new Display('Asia/Jakarta', 'plain').amountsIn(line)).toBe(line);
    // As explanations are written now: amounts as the API writes them.
    expect(
      new Display('Asia/Jakarta').amountsIn(
        'explained: 1 provider-only credit 9443.57 after TRX12.50, TRX-12.50, INV/2026/10.25; remainder -0.50',
      ),
    ).toBe(
      `explained: 1 provider-only credit Rp${nbsp}9.443,57 after TRX12.50, TRX-12.50, INV/2026/10.25; remainder -Rp${nbsp}0,50`,
    );
  });

  it('labels every time with its zone and formats amounts per setting', () => {
    const jakarta = new Display('Asia/Jakarta');
    expect(jakarta.when('2026-12-01T10:05:09Z')).toBe('2026-12-01 17:05:09 WIB');
    expect(jakarta.when(null)).toBe('–');
    expect(jakarta.amount('1343486.00')).toBe('Rp\u00a01.343.486,00');
    expect(new Display('Asia/Jakarta', 'plain').amount('1343486.00')).toBe('1343486.00');
    expect(new Display('Asia/Makassar').when('2026-12-01T10:05:09Z')).toBe(
      '2026-12-01 18:05:09 WITA',
    );
    expect(new Display('UTC').when('2026-12-01T10:05:09Z')).toBe('2026-12-01 10:05:09 UTC');
  });
});
