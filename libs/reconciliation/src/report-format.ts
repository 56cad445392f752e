import { stringify } from 'csv-stringify/sync';
import { nothingNeedsAttention } from './all-clear';
import { RESULT_STATUSES } from './result-status';
import type { ResultView, RunReport, RunView } from './run-report';
import { spreadsheetSafeCsvOptions } from './spreadsheet-safe-csv';

/**
 * CSV columns of a run's results, in order. A new column goes at the end: a reader that takes
 * the columns by position keeps working.
 */
export const RESULT_CSV_COLUMNS: (keyof ResultView)[] = [
  'merchantId',
  'provider',
  'accountNo',
  'msId',
  'status',
  'providerBalance',
  'ledgerBalance',
  'difference',
  'inFlightAmount',
  'currency',
  'responseCode',
  'attempts',
  'providerTime',
  'error',
  'providerStatus',
  'providerName',
  'explanation',
  'externalId',
  'providerReference',
  'asOf',
];

/** The columns of {@link RESULT_CSV_COLUMNS} holding signed decimal amounts. */
const RESULT_CSV_AMOUNT_COLUMNS: (keyof ResultView)[] = [
  'providerBalance',
  'ledgerBalance',
  'difference',
  'inFlightAmount',
];

/** csv-stringify options of the results CSV, formula cells defused (sync or streaming). */
export function resultCsvOptions() {
  return spreadsheetSafeCsvOptions(RESULT_CSV_COLUMNS, RESULT_CSV_AMOUNT_COLUMNS);
}

/** The results as CSV with a header row. */
export function reportToCsv(report: RunReport): string {
  return stringify(report.results, resultCsvOptions());
}

/** The one-object run summary printed by `reconcile --json`. */
export function runSummaryJson(run: RunView) {
  return {
    id: run.id,
    status: run.status,
    accountCount: run.accountCount,
    counts: run.counts,
    byProvider: run.byProvider,
    breakCount: run.breakCount,
    totalAbsDifference: run.totalAbsDifference,
    largestAbsDifference: run.largestAbsDifference,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

const pad = (text: string, width: number) => text.padEnd(width);

/** A plain-text table for a terminal: the run's counts, then every non-matched account. */
export function reportToTable(report: RunReport, { all = false } = {}): string {
  const { run } = report;
  const lines = [
    `Run ${run.id}  ${run.status}  ${run.accountCount} accounts  started ${run.startedAt}${run.finishedAt ? `  finished ${run.finishedAt}` : ''}`,
    RESULT_STATUSES.map((s) => `${s}: ${run.counts[s]}`).join('   '),
    ...Object.entries(run.byProvider).map(
      ([p, counts]) =>
        `  ${pad(p, 8)} ${RESULT_STATUSES.map((s) => `${s} ${counts[s]}`).join(', ')}`,
    ),
    `breaks: ${run.breakCount ?? 'not recorded'}   total |difference|: ${run.totalAbsDifference}   largest: ${run.largestAbsDifference}`,
    '',
  ];
  const shown = all ? report.results : report.results.filter((r) => r.status !== 'matched');
  const header = [
    'merchant',
    'provider',
    'account',
    'status',
    'provider bal',
    'ledger bal',
    'difference',
    'code',
    'provider status',
    'error',
  ];
  const rows = shown.map((r) => [
    r.merchantId,
    r.provider,
    // A NICEPay seller shares its merchant's account number: `IONPAYTEST/SELLER-B`.
    r.msId ? `${r.accountNo}/${r.msId}` : r.accountNo,
    r.status,
    r.providerBalance ?? '-',
    r.ledgerBalance ?? '-',
    r.difference ?? '-',
    r.responseCode ?? '-',
    r.providerStatus ?? '-',
    (r.error ?? '').slice(0, 60),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const render = (row: string[]) =>
    row
      .map((cell, i) => (i >= 4 && i <= 6 ? cell.padStart(widths[i]) : pad(cell, widths[i])))
      .join('  ')
      .trimEnd();
  if (rows.length > 0) {
    lines.push(render(header));
    shown.forEach((r, i) => {
      lines.push(render(rows[i]));
      // The break explained from the provider's history, under its row (issue 15).
      if (r.explanation) lines.push(`    ${r.explanation}`);
    });
  } else lines.push(all ? '(no results)' : nothingNeedsAttention(run));
  return lines.join('\n');
}
