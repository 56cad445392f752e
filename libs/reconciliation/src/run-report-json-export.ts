import type { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { RESULT_CSV_COLUMNS } from './report-format';
import { resultBatches } from './report-views';
import type { RunView } from './run-report';

/** The fields of a result the whole-run JSON report shows: the same as the CSV's columns. */
const REPORT_FIELDS = RESULT_CSV_COLUMNS;

/**
 * Writes `{"run": …, "results": [ … ]}` for a whole run to `destination`, streaming: results
 * come from {@link resultBatches} one batch at a time (|difference| descending, then account),
 * and the next batch is queried only once the destination has drained. Memory stays about one
 * batch whatever the run's size (the report used to be built whole: ten parallel reports of a
 * 50,000-result run took the producer to 513 MB). Rejects if the destination closes early.
 */
export async function writeRunReportJson(
  ds: DataSource,
  run: RunView,
  destination: Writable,
  batchSize = 1000,
): Promise<void> {
  const closed = () =>
    Object.assign(new Error('the destination closed early'), {
      code: 'ERR_STREAM_PREMATURE_CLOSE',
    });
  const write = async (text: string) => {
    if (destination.destroyed) throw closed();
    if (destination.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const onClose = () => reject(closed());
      destination.once('close', onClose);
      destination.once('drain', () => {
        destination.off('close', onClose);
        resolve();
      });
    });
  };
  await write(`{"run":${JSON.stringify(run)},"results":[`);
  let first = true;
  for await (const batch of resultBatches(ds, run.id, {}, batchSize)) {
    if (batch.length === 0) continue;
    const text = batch
      .map((item) => JSON.stringify(Object.fromEntries(REPORT_FIELDS.map((f) => [f, item[f]]))))
      .join(',');
    await write(first ? text : `,${text}`);
    first = false;
  }
  await write(']}');
  destination.end();
}
