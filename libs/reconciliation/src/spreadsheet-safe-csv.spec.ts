import { stringify } from 'csv-stringify/sync';
import { defuseFormula, spreadsheetSafeCsvOptions } from './spreadsheet-safe-csv';

describe('spreadsheet-safe CSV', () => {
  it.each(['=', '+', '-', '@', '\t', '\r'])(
    'prefixes a text starting with %j with a quote',
    (c) => {
      expect(defuseFormula(`${c}HYPERLINK("x")`)).toBe(`'${c}HYPERLINK("x")`);
    },
  );

  it('leaves other texts as they are, a formula character inside one too', () => {
    for (const text of ['', 'Toko Satu', 'a=b', ' =x', "'=x", '2026-12-01T00:00:00.000Z'])
      expect(defuseFormula(text)).toBe(text);
  });

  it('defuses text columns, never amount columns, the header or nulls', () => {
    const csv = stringify(
      [{ name: '-cmd', difference: '-10.00', note: null, attempts: 1, final: true }],
      spreadsheetSafeCsvOptions(
        ['name', 'difference', 'note', 'attempts', 'final'],
        ['difference'],
      ),
    );
    expect(csv).toBe("name,difference,note,attempts,final\n'-cmd,-10.00,,1,true\n");
  });
});
