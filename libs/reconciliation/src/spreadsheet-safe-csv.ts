import type { Options } from 'csv-stringify';

/**
 * CSV injection: a spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, tab or CR as a
 * formula. Every CSV the product writes therefore prefixes such a text cell with `'`, which a
 * spreadsheet shows as text (OWASP's advice). Amount columns are exempt and written exactly as
 * they are: a signed decimal like `-10.00` is a number to a spreadsheet, never a formula.
 * Timestamps and run ids never start with those characters; a merchant id, account number or
 * entry reference may start with `-` (the id rule allows it) and then gets the `'` too, so a
 * program reading the CSV back must drop a leading `'` (README says so).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** `text`, prefixed with `'` when a spreadsheet would run it as a formula. */
export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * csv-stringify options (sync or streaming) for a CSV with a header row and `columns` in
 * order: every text cell is defused, except in `amountColumns`; booleans as `true`/`false`.
 */
export function spreadsheetSafeCsvOptions<C extends string>(
  columns: readonly C[],
  amountColumns: readonly NoInfer<C>[],
): Options {
  const amounts = new Set<string>(amountColumns);
  return {
    header: true,
    columns: [...columns],
    cast: {
      boolean: String,
      string: (value, { column, header }) =>
        header || amounts.has(String(column)) ? value : defuseFormula(value),
    },
  };
}
