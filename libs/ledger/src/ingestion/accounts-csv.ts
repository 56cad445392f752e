import type { DataSource } from 'typeorm';
import { CsvImportOptions, CsvImportSummary, CsvSource, importableRows } from './csv-rows';
import { AccountImportChecks, AccountImportRow, importAccounts } from './import-accounts';
import { DEFAULT_MAX_REJECTED, Rejections } from './rejections';
import { rowErrorOfFields } from './row-error';

/**
 * Columns of the accounts CSV; `credential`, `ms_id` (NICEPay seller id) and
 * `expected_provider_name` (the merchant name the provider must report) may be left out.
 */
export const ACCOUNTS_CSV_COLUMNS = {
  required: ['merchant_id', 'merchant_name', 'provider', 'account_no', 'currency'],
  optional: ['credential', 'ms_id', 'expected_provider_name'],
} as const;

type AccountColumn =
  (typeof ACCOUNTS_CSV_COLUMNS.required)[number] | (typeof ACCOUNTS_CSV_COLUMNS.optional)[number];

const COLUMN_OF: Record<keyof AccountImportRow, AccountColumn | 'enabled'> = {
  merchantId: 'merchant_id',
  merchantName: 'merchant_name',
  provider: 'provider',
  accountNo: 'account_no',
  currency: 'currency',
  credentialSet: 'credential',
  enabled: 'enabled',
  msId: 'ms_id',
  expectedProviderName: 'expected_provider_name',
};

/**
 * Outcome of an accounts CSV import. `imported` = rows that created or changed an account
 * (`accountsCreated + accountsUpdated`), `duplicates` = rows that confirmed one unchanged.
 */
export interface AccountsCsvSummary extends CsvImportSummary {
  merchantsCreated: number;
  /** Existing merchants whose name changed. */
  merchantsUpdated: number;
  accountsCreated: number;
  accountsUpdated: number;
}

/**
 * Imports `merchant_id,merchant_name,provider,account_no,currency[,credential][,ms_id]
 * [,expected_provider_name]` (header required, exact names, optional columns in this order)
 * through {@link importAccounts}, streaming in batches. Policy: valid rows are applied, every
 * invalid row is reported with its line (see the ingestion README).
 * An empty `credential` cell means the provider's default set; without the column the
 * stored set is kept.
 */
export async function importAccountsCsv(
  ds: DataSource,
  source: CsvSource,
  options: CsvImportOptions & AccountImportChecks = {},
): Promise<AccountsCsvSummary> {
  const batchSize = options.batchSize ?? 2_000;
  const rejections = new Rejections(options.maxRejected ?? DEFAULT_MAX_REJECTED);
  const summary: AccountsCsvSummary = {
    rows: 0,
    imported: 0,
    duplicates: 0,
    merchantsCreated: 0,
    merchantsUpdated: 0,
    accountsCreated: 0,
    accountsUpdated: 0,
    rejectedCount: 0,
    rejectedTruncated: false,
    rejected: [],
  };
  let batch: AccountImportRow[] = [];
  // The first name of each merchant in this file, across its batches.
  const merchantNames = new Map<string, string>();
  let lines: number[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const result = await importAccounts(ds, batch, options, merchantNames);
    summary.merchantsCreated += result.merchantsCreated;
    summary.merchantsUpdated += result.merchantsUpdated;
    summary.accountsCreated += result.accountsCreated;
    summary.accountsUpdated += result.accountsUpdated;
    summary.imported += result.accountsCreated + result.accountsUpdated;
    summary.duplicates += result.accountsUnchanged;
    for (const e of result.errors) {
      // As the ledger CSV: one error per row, naming its other bad fields too.
      const [first, ...others] = [e, ...(e.also ?? [])].map((p) => ({
        field: COLUMN_OF[p.field],
        value: p.value,
        reason: p.reason,
      }));
      rejections.add(rowErrorOfFields(lines[e.index], [first, ...others]));
    }
    batch = [];
    lines = [];
  };

  for await (const rows of importableRows(source, ACCOUNTS_CSV_COLUMNS, summary, rejections)) {
    for (const { values, columns, line } of rows) {
      batch.push({
        merchantId: values.merchant_id,
        merchantName: values.merchant_name,
        provider: values.provider,
        accountNo: values.account_no,
        currency: values.currency,
        credentialSet: columns.includes('credential') ? values.credential || null : undefined,
        msId: columns.includes('ms_id') ? values.ms_id || null : undefined,
        expectedProviderName: columns.includes('expected_provider_name')
          ? values.expected_provider_name || null
          : undefined,
      });
      lines.push(line);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  return { ...summary, ...rejections.summary() };
}
