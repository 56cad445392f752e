import type { DataSource } from 'typeorm';
import { batcherFor, MicroBatcher } from '@app/infra';
import { ledgerEntriesRepository } from '@app/ledger';
import * as resultsRepository from '../repositories/results.repository';
import type { LastMatch, LastMatchQuery } from '../repositories/results.repository';
import type { BridgeEntry } from './bridge';

type EntriesWindow = ledgerEntriesRepository.EntriesWindow;
type LedgerEntryRecord = ledgerEntriesRepository.LedgerEntryRecord;

/** Most ledger entries read for one window; a busier window is refused, not cut silently. */
export const MAX_WINDOW_LEDGER_ENTRIES = 20_000;

// Breaks are attributed concurrently (a busy worker has ~150 jobs in flight): like the job
// start and the ledger snapshot, the two reads of each break go out batched per data source,
// one statement for the breaks that arrive together, instead of two round trips per break.
const lastMatchBatchers = new WeakMap<DataSource, MicroBatcher<LastMatchQuery, LastMatch | null>>();
const entriesBatchers = new WeakMap<DataSource, MicroBatcher<EntriesWindow, LedgerEntryRecord[]>>();

/**
 * The account's last match before `before`: its result's as-of and when it was recorded, or
 * null.
 */
export function lastMatch(
  ds: DataSource,
  accountId: string,
  before: Date,
): Promise<LastMatch | null> {
  const batcher = batcherFor(
    lastMatchBatchers,
    ds,
    () =>
      new MicroBatcher<LastMatchQuery, LastMatch | null>(
        (queries) => resultsRepository.lastMatchedAts(ds, queries),
        { maxBatch: 100, maxInFlight: 2 },
      ),
  );
  return batcher.add({ accountId, before });
}

/**
 * The account's ledger entries with from < posted_at <= to, oldest first; with `backdated`,
 * also those posted in (backdated.postedAfter, from] and stored after backdated.storedAfter
 * (marked `backdated`).
 */
export async function ledgerEntriesBetween(
  ds: DataSource,
  accountId: string,
  from: Date,
  to: Date,
  backdated: EntriesWindow['backdated'] = null,
): Promise<BridgeEntry[]> {
  const batcher = batcherFor(
    entriesBatchers,
    ds,
    () =>
      new MicroBatcher<EntriesWindow, LedgerEntryRecord[]>(
        (windows) =>
          ledgerEntriesRepository.entriesBetweenMany(ds, windows, MAX_WINDOW_LEDGER_ENTRIES + 1),
        { maxBatch: 50, maxInFlight: 2 },
      ),
  );
  const rows = await batcher.add({ accountId, from, to, backdated });
  if (rows.length > MAX_WINDOW_LEDGER_ENTRIES) {
    throw new Error(
      `more than ${MAX_WINDOW_LEDGER_ENTRIES} ledger entries between ${from.toISOString()} and ${to.toISOString()}`,
    );
  }
  return rows;
}
