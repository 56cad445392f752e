import type { DataSource } from 'typeorm';
import { formatAmount } from '@app/snap';
import { accountKeyText } from '../account-key';
import { findAccountIds, unknownAccountReasons } from './account-lookup';
import {
  appendLedgerEntries,
  balanceOutOfRangeReason,
  LedgerConflict,
  NewLedgerEntry,
} from './append-ledger-entries';
import { CsvImportOptions, CsvImportSummary, CsvSource, importableRows } from './csv-rows';
import {
  checkAmount,
  checkEntryRef,
  checkId,
  checkPostedAt,
  checkProvider,
  checkProviderRef,
  checkSellerCell,
  Checked,
} from './field-rules';
import { DEFAULT_MAX_REJECTED, Rejections } from './rejections';
import { RowError, rowError, rowErrorOfFields } from './row-error';

/** Columns of the ledger CSV. */
export const LEDGER_CSV_COLUMNS = {
  required: ['provider', 'account_no', 'entry_ref', 'amount', 'posted_at'],
  /**
   * `provider_ref`: the provider's transaction id of the movement (issue 15); `ms_id`: the
   * seller whose account it is (NICEPay). Empty or absent: none.
   */
  optional: ['provider_ref', 'ms_id'],
} as const;

type LedgerColumn =
  (typeof LEDGER_CSV_COLUMNS.required)[number] | (typeof LEDGER_CSV_COLUMNS.optional)[number];

/**
 * Outcome of a ledger CSV import: `imported` entries stored, `duplicates` rows already
 * stored with the same amount and time, the rejected rows.
 */
export type LedgerCsvSummary = CsvImportSummary;

interface ParsedRow {
  line: number;
  provider: string;
  accountNo: string;
  msId: string | null;
  entryRef: string;
  amount: bigint;
  postedAt: Date;
  providerRef: string | null;
  text: Record<LedgerColumn, string>;
}

/** Accounts remembered between batches; beyond this many the memory is cleared. */
const ACCOUNT_CACHE_LIMIT = 100_000;

const CHECKS: [LedgerColumn, (text: string) => Checked<unknown>][] = [
  ['provider', checkProvider],
  ['account_no', checkId],
  ['entry_ref', checkEntryRef],
  ['amount', checkAmount],
  ['posted_at', checkPostedAt],
  ['provider_ref', checkProviderRef],
  ['ms_id', checkSellerCell],
];

/**
 * The row as typed values, or one error naming its first bad field (in column order) whose
 * reason also names every other bad field of the row, so one import shows all that is wrong.
 */
function parseRow(line: number, text: Record<LedgerColumn, string>): ParsedRow | RowError {
  const values: Partial<Record<LedgerColumn, unknown>> = {};
  const bad: { column: LedgerColumn; reason: string }[] = [];
  for (const [column, check] of CHECKS) {
    const checked = check(text[column] ?? '');
    if (checked.ok) values[column] = checked.value;
    else bad.push({ column, reason: checked.reason });
  }
  if (bad.length > 0) {
    const [first, ...others] = bad.map(({ column, reason }) => ({
      field: column,
      value: text[column] ?? '',
      reason,
    }));
    return rowErrorOfFields(line, [first, ...others]);
  }
  return {
    line,
    provider: values.provider as string,
    accountNo: values.account_no as string,
    msId: (values.ms_id as string | null | undefined) ?? null,
    entryRef: values.entry_ref as string,
    amount: values.amount as bigint,
    postedAt: values.posted_at as Date,
    providerRef: (values.provider_ref as string | null | undefined) ?? null,
    text,
  };
}

function conflictError(row: ParsedRow, c: LedgerConflict, firstLine: number | undefined): RowError {
  const field: LedgerColumn = c.existingAmount !== c.newAmount ? 'amount' : 'posted_at';
  const kept = `amount ${formatAmount(c.existingAmount)} at ${c.existingPostedAt.toISOString()}`;
  const account = accountKeyText(row);
  const reason =
    c.existingIn === 'batch' && firstLine !== undefined
      ? `entry_ref ${JSON.stringify(row.entryRef)} of ${account} appears on line ${firstLine} with ${kept}`
      : `entry_ref ${JSON.stringify(row.entryRef)} of ${account} is already recorded with ${kept}; a recorded entry is never overwritten`;
  return rowError(row.line, field, row.text[field], reason);
}

/**
 * Imports `provider,account_no,entry_ref,amount,posted_at[,provider_ref][,ms_id]` (header
 * required, exact names; a seller's entries name it in `ms_id`)
 * into the ledger through {@link appendLedgerEntries}. The file is streamed and appended in
 * batches of `batchSize` rows (one transaction each), so memory stays bounded whatever its size.
 *
 * Policy (see the ingestion README): valid rows are imported; every invalid row is reported
 * with its line, field, value and reason and nothing is stored for it: bad CSV, a missing
 * column, an amount not `-?digits.dd`, a time without zone, an unknown account, a
 * reference already stored (or earlier in the file) with another amount or time, and an amount
 * that would take the account's running balance (or, back-dated, a later one) beyond
 * ±92233720368547758.07 (the `bigint` of minor units it is stored in). A re-import
 * of the same file stores nothing new and counts its rows as duplicates.
 */
export async function importLedgerCsv(
  ds: DataSource,
  source: CsvSource,
  options: CsvImportOptions = {},
): Promise<LedgerCsvSummary> {
  const batchSize = options.batchSize ?? 5_000;
  const rejections = new Rejections(options.maxRejected ?? DEFAULT_MAX_REJECTED);
  const summary = { rows: 0, imported: 0, duplicates: 0 };
  const accountIds = new Map<string, string | null>();
  let batch: ParsedRow[] = [];

  const resolveAccounts = async (rows: ParsedRow[]) => {
    const unknown = rows.filter((r) => !accountIds.has(accountKeyText(r)));
    if (unknown.length === 0) return;
    if (accountIds.size > ACCOUNT_CACHE_LIMIT) accountIds.clear();
    const found = await findAccountIds(ds, unknown);
    for (const r of unknown) {
      const key = accountKeyText(r);
      accountIds.set(key, found.get(key) ?? null);
    }
  };

  const flush = async () => {
    if (batch.length === 0) return;
    await resolveAccounts(batch);
    const known: ParsedRow[] = [];
    const entries: NewLedgerEntry[] = [];
    const missing = batch.filter((row) => !accountIds.get(accountKeyText(row)));
    const reasons = missing.length > 0 ? await unknownAccountReasons(ds, missing, 'ms_id') : null;
    for (const row of batch) {
      const accountId = accountIds.get(accountKeyText(row));
      if (accountId) {
        known.push(row);
        entries.push({
          accountId,
          entryRef: row.entryRef,
          amount: row.amount,
          postedAt: row.postedAt,
          providerRef: row.providerRef,
        });
      } else {
        const reason = `${reasons!.get(accountKeyText(row))}; import it with the accounts CSV first`;
        rejections.add(
          row.msId
            ? rowError(row.line, 'ms_id', row.msId, reason)
            : rowError(row.line, 'account_no', row.accountNo, reason),
        );
      }
    }
    batch = [];
    const result = await appendLedgerEntries(ds, entries);
    summary.imported += result.inserted;
    summary.duplicates += result.duplicates;
    for (const o of result.outOfRange) {
      const row = known[o.index];
      rejections.add(rowError(row.line, 'amount', row.text.amount, balanceOutOfRangeReason(o)));
    }
    if (result.conflicts.length === 0) return;
    const firstLine = new Map<string, number>();
    entries.forEach((e, i) => {
      const key = `${e.accountId}\u0000${e.entryRef}`;
      if (!firstLine.has(key)) firstLine.set(key, known[i].line);
    });
    for (const c of result.conflicts) {
      rejections.add(
        conflictError(known[c.index], c, firstLine.get(`${c.accountId}\u0000${c.entryRef}`)),
      );
    }
  };

  for await (const rows of importableRows(source, LEDGER_CSV_COLUMNS, summary, rejections)) {
    for (const row of rows) {
      const parsed = parseRow(row.line, row.values);
      if ('reason' in parsed) {
        rejections.add(parsed);
        continue;
      }
      batch.push(parsed);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  return { ...summary, ...rejections.summary() };
}
