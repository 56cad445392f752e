import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { DataSource } from 'typeorm';
import { resultCsvOptions } from './report-format';
import { ResultFilter, resultBatches } from './report-views';

/**
 * Writes a run's results as CSV ({@link resultCsvOptions}: header row, formula cells defused)
 * to `destination`, streaming: rows come from {@link resultBatches} one batch at a time and go
 * through csv-stringify's stream API; `pipeline` applies backpressure end to end, so the next
 * batch is queried only once the destination has taken the previous one. Memory stays about
 * one batch whatever the run's size. If the destination closes early (a client hangs up), the
 * source stops and no further batch is queried; the promise then rejects.
 */
export async function writeResultsCsv(
  ds: DataSource,
  runId: string,
  filter: ResultFilter,
  destination: Writable,
  batchSize = 1000,
): Promise<void> {
  async function* rows() {
    for await (const batch of resultBatches(ds, runId, filter, batchSize)) yield* batch;
  }
  await pipeline(
    Readable.from(rows(), { objectMode: true, highWaterMark: 64 }),
    stringify(resultCsvOptions()),
    destination,
  );
}
