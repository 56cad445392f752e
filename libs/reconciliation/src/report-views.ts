import type { DataSource } from 'typeorm';
import { accountsRepository, ledgerEntriesRepository } from '@app/ledger';
import { formatAmount, ProviderName } from '@app/snap';
import type { StoredAttribution } from './attribution/bridge';
import * as runReportsRepository from './repositories/run-reports.repository';
import type {
  DailyMismatchFigures,
  ResultCursor,
  ResultFilter,
  ResultItemRecord,
  RunListFilter,
} from './repositories/run-reports.repository';
import type { RunTrigger } from './result-status';
import { ResultView, RunView, toResultView, toRunView, withLiveSummary } from './run-report';

/*
 * The reports' views: pages of runs and results, a run's results in batches, an account's
 * history and the daily break chart, formatted for the API and the pages. The SQL is in
 * `repositories/run-reports.repository.ts` (and the ledger's and accounts' repositories).
 */

export type { DailyMismatchFigures, ResultFilter, RunListFilter };

/** One page of a list, newest or largest first; `total` counts every match of the filter. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

/** A result as the reports API shows it: the CSV columns plus the merchant's name and when. */
export interface ResultItem extends ResultView {
  merchantName: string;
  checkedAt: string;
}

/** Runs, newest first (by start, then id), filtered by status and start instant. */
export async function listRuns(
  ds: DataSource,
  filter: RunListFilter,
  page: number,
  pageSize: number,
): Promise<Page<RunView>> {
  const total = await runReportsRepository.countRuns(ds, filter);
  const runs = await runReportsRepository.findRunsPage(ds, filter, pageSize, (page - 1) * pageSize);
  const items = await Promise.all(runs.map(async (r) => toRunView(await withLiveSummary(ds, r))));
  return { items, page, pageSize, total };
}

function toResultItem(r: ResultItemRecord): ResultItem {
  return Object.assign(toResultView(r), {
    merchantName: r.merchantName,
    checkedAt: r.checkedAt.toISOString(),
  });
}

/**
 * One page of a run's results, |difference| descending (results without one last), then
 * merchant, provider and account number.
 */
export async function listRunResults(
  ds: DataSource,
  runId: string,
  filter: ResultFilter,
  page: number,
  pageSize: number,
): Promise<Page<ResultItem>> {
  const total = await runReportsRepository.countResults(ds, runId, filter);
  const results = await runReportsRepository.findResultsPage(
    ds,
    runId,
    filter,
    pageSize,
    (page - 1) * pageSize,
  );
  return { items: results.map(toResultItem), page, pageSize, total };
}

/**
 * A run's results in batches of `batchSize`, |difference| descending then account id, by
 * keyset pagination over the `reconciliation_results_run_difference` index: each batch is a
 * range scan starting after the previous batch's last (|difference|, account id), so memory
 * is one batch whatever the run's size and no connection is held between batches. The
 * consumer pulls the next batch only when it wants it (backpressure).
 */
export async function* resultBatches(
  ds: DataSource,
  runId: string,
  filter: ResultFilter,
  batchSize = 1000,
): AsyncGenerator<ResultItem[]> {
  let after: ResultCursor | null = null;
  for (;;) {
    const records = await runReportsRepository.findResultBatch(ds, runId, filter, after, batchSize);
    const count = records.length;
    if (count > 0) {
      const last = records[count - 1];
      after = { sortKey: last.sortKey, accountId: last.accountId };
      const items = records.map(toResultItem);
      records.length = 0; // only one copy of the batch stays alive while it is consumed
      yield items;
    }
    if (count < batchSize) return;
  }
}

/** A provider account as the history shows it. */
export interface AccountView {
  merchantId: string;
  merchantName: string;
  provider: string;
  accountNo: string;
  msId: string | null;
  currency: string;
  enabled: boolean;
}

/** A ledger entry; amounts are decimal strings. */
export interface LedgerEntryView {
  entryRef: string;
  amount: string;
  postedAt: string;
  balanceAfter: string;
}

/** One run's result for an account, with the ledger entries of its in-flight window. */
export interface AccountHistoryItem extends Omit<
  ResultItem,
  'merchantId' | 'merchantName' | 'provider' | 'accountNo' | 'msId'
> {
  runId: string;
  runStartedAt: string;
  runTrigger: RunTrigger;
  /** `(windowStart, asOf]`: entries posted then may not have reached the provider yet; null without `asOf`. */
  windowStart: string | null;
  /** Newest first; at most {@link MAX_LISTED_WINDOW_ENTRIES}. */
  windowEntries: LedgerEntryView[];
  windowEntriesTruncated: boolean;
  /** The ledger balance just before the window (null when the entries were truncated or there is no window). */
  balanceBeforeWindow: string | null;
  /** The break explained from the provider's history (issue 15): the bridge, or why not. */
  attribution: StoredAttribution | null;
}

export interface AccountHistory {
  account: AccountView;
  inFlightWindowSeconds: number;
  items: AccountHistoryItem[];
}

/** Most ledger entries an account's history lists per result's in-flight window (more: truncated). */
export const MAX_LISTED_WINDOW_ENTRIES = 100;

/**
 * An account's results across runs, newest run first, each with the ledger entries posted
 * in the in-flight window `(asOf - windowSeconds, asOf]` before it: what may have been in
 * flight when the provider answered. `null` when there is no such account.
 */
export async function loadAccountHistory(
  ds: DataSource,
  key: { provider: ProviderName; accountNo: string; msId?: string | null },
  limit: number,
  windowSeconds: number,
): Promise<AccountHistory | null> {
  const account = await accountsRepository.findWithMerchant(ds, key);
  if (account === null) return null;
  const rows = await runReportsRepository.findAccountResults(ds, account.id, limit);
  const entries = await ledgerEntriesRepository.entriesInWindows(
    ds,
    account.id,
    rows.flatMap((r) => (r.asOf === null ? [] : [{ runId: r.runId, asOf: r.asOf }])),
    windowSeconds,
    MAX_LISTED_WINDOW_ENTRIES + 1,
  );
  const byRun = new Map<string, typeof entries>();
  for (const e of entries) {
    const list = byRun.get(e.runId) ?? [];
    list.push(e);
    byRun.set(e.runId, list);
  }
  return {
    account: {
      merchantId: account.merchantId,
      merchantName: account.merchantName,
      provider: account.provider,
      accountNo: account.accountNo,
      msId: account.msId,
      currency: account.currency,
      enabled: account.enabled,
    },
    inFlightWindowSeconds: windowSeconds,
    items: rows.map((r) => {
      const {
        merchantId: _m,
        merchantName: _n,
        provider: _p,
        accountNo: _a,
        msId: _s,
        ...result
      } = toResultItem(r);
      const window = byRun.get(r.runId) ?? [];
      const truncated = window.length > MAX_LISTED_WINDOW_ENTRIES;
      const shown = window.slice(0, MAX_LISTED_WINDOW_ENTRIES);
      let before: bigint | null = null;
      if (r.asOf !== null && !truncated) {
        const oldest = shown[shown.length - 1];
        before = oldest ? oldest.balanceAfter - oldest.amount : r.ledgerBalance;
      }
      return Object.assign(
        { runId: r.runId, runStartedAt: r.runStartedAt.toISOString(), runTrigger: r.runTrigger },
        result,
        {
          windowStart: r.asOf
            ? new Date(r.asOf.getTime() - windowSeconds * 1000).toISOString()
            : null,
          windowEntries: shown.map((e) => ({
            entryRef: e.entryRef,
            amount: formatAmount(e.amount),
            postedAt: e.postedAt.toISOString(),
            balanceAfter: formatAmount(e.balanceAfter),
          })),
          windowEntriesTruncated: truncated,
          balanceBeforeWindow: before === null ? null : formatAmount(before),
          attribution: r.attribution,
        },
      );
    }),
  };
}

/** {@link DailyMismatchFigures} with the total as a decimal string, as the API shows it. */
export interface DailyMismatches extends Omit<DailyMismatchFigures, 'totalAbsDifference'> {
  totalAbsDifference: string;
}

/**
 * The last `days` calendar days in `timeZone` (today included), oldest first, every day
 * present (zero when no run). An account with a break in several runs of one day counts once,
 * with its latest difference, so hourly runs do not multiply the figures by 24.
 */
export function dailyMismatches(
  ds: DataSource,
  days: number,
  timeZone: string,
): Promise<DailyMismatchFigures[]> {
  return runReportsRepository.dailyMismatches(ds, days, timeZone);
}
