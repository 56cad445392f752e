import { stringify } from 'csv-stringify/sync';
import type { DataSource } from 'typeorm';
import * as resultsRepository from '../repositories/results.repository';
import { spreadsheetSafeCsvOptions } from '../spreadsheet-safe-csv';

/** Columns of a run's unmatched-items CSV (issue 15), in order. */
export const UNMATCHED_CSV_COLUMNS = [
  'merchantId',
  'provider',
  'accountNo',
  'msId',
  'item',
  'providerRef',
  'entryRef',
  'time',
  'timeJakarta',
  'amount',
  'ledgerAmount',
  'type',
] as const;
type UnmatchedCsvColumn = (typeof UNMATCHED_CSV_COLUMNS)[number];

/** The columns of {@link UNMATCHED_CSV_COLUMNS} holding signed decimal amounts. */
const UNMATCHED_CSV_AMOUNT_COLUMNS: UnmatchedCsvColumn[] = ['amount', 'ledgerAmount'];

/** `2026-12-01 07:00:00`: an instant as a Jakarta wall-clock time (UTC+7, no DST). */
export function jakartaWallTime(iso: string): string {
  return new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Every unmatched item of a run's explained breaks, one row each: `provider-only` events,
 * `ledger-only` entries and `amount-difference` pairs (amount = the provider's, ledgerAmount
 * = the ledger's). Times in UTC and in Jakarta time.
 */
export async function unmatchedItemsCsv(ds: DataSource, runId: string): Promise<string> {
  const rows = await resultsRepository.findAttributed(ds, runId);
  const out: Record<UnmatchedCsvColumn, string | null>[] = [];
  for (const r of rows) {
    const base = {
      merchantId: r.merchantId,
      provider: r.provider,
      accountNo: r.accountNo,
      msId: r.msId,
    };
    for (const e of r.attribution.providerOnly) {
      out.push(
        Object.assign({}, base, {
          item: 'provider-only',
          providerRef: e.providerRef,
          entryRef: null,
          time: e.time,
          timeJakarta: jakartaWallTime(e.time),
          amount: e.amount,
          ledgerAmount: null,
          type: e.type,
        }),
      );
    }
    for (const e of r.attribution.ledgerOnly) {
      out.push(
        Object.assign({}, base, {
          item: 'ledger-only',
          providerRef: e.providerRef,
          entryRef: e.entryRef,
          time: e.postedAt,
          timeJakarta: jakartaWallTime(e.postedAt),
          amount: null,
          ledgerAmount: e.amount,
          type: null,
        }),
      );
    }
    for (const d of r.attribution.amountDifferences) {
      out.push(
        Object.assign({}, base, {
          item: 'amount-difference',
          providerRef: d.providerRef,
          entryRef: d.entryRef,
          time: null,
          timeJakarta: null,
          amount: d.providerAmount,
          ledgerAmount: d.ledgerAmount,
          type: null,
        }),
      );
    }
  }
  return stringify(
    out,
    spreadsheetSafeCsvOptions(UNMATCHED_CSV_COLUMNS, UNMATCHED_CSV_AMOUNT_COLUMNS),
  );
}
