import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Rejections } from './rejections';
import { FieldProblem, RowError, rowError, rowErrorOfFields } from './row-error';

/** A CSV file's path, or a stream of its bytes. */
export type CsvSource = string | Readable;

/** Options of the CSV imports. */
export interface CsvImportOptions {
  /** Rows per transaction (default 2,000 for accounts, 5,000 for the ledger). */
  batchSize?: number;
  /** Most rejected rows listed in the summary (default 10,000; all are counted). */
  maxRejected?: number;
}

/** What every CSV import reports: `imported N, duplicates D, rejected R`. */
export interface CsvImportSummary {
  /** Data rows read (the header and blank lines not counted). */
  rows: number;
  /** Rows that stored something new. */
  imported: number;
  /** Rows that were already stored as they are (a re-import). */
  duplicates: number;
  /** Rows refused, all counted. */
  rejectedCount: number;
  /** True when more rows were refused than `rejected` lists. */
  rejectedTruncated: boolean;
  /** The refused rows by line (the first `maxRejected`), each naming field, value and reason. */
  rejected: RowError[];
}

/** The columns a CSV format requires, in order, and those that may follow them. */
export interface CsvColumns<C extends string> {
  required: readonly C[];
  optional?: readonly C[];
}

/** One data record with its values by column name; `line` is where the record starts. */
export interface CsvRow<C extends string> {
  line: number;
  values: Record<C, string> & Partial<Record<C, string>>;
  /** The columns of the file's header (required ones plus the optional ones present). */
  columns: readonly C[];
}

/** What {@link readCsvRows} yields, in batches: a row to validate, or a record refused as read. */
export type CsvItem<C extends string> = { row: CsvRow<C> } | { error: RowError };

/** Largest record accepted; an unclosed quote cannot swallow the rest of a big file into memory. */
const MAX_RECORD_BYTES = 1 << 20;
/** Records parsed ahead of the consumer (parsing goes on while it writes to the database). */
const READ_AHEAD = 10_000;

/**
 * Drains an object-mode stream in arrays: one await per burst of records rather than per
 * record, and the stream keeps producing (up to `highWater` records) while the consumer is busy.
 * Records come before an error that follows them.
 */
async function* drain<T>(stream: Readable, highWater: number): AsyncGenerator<T[]> {
  let buffer: T[] = [];
  let ended = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  stream.on('data', (item: T) => {
    buffer.push(item);
    if (buffer.length >= highWater) stream.pause();
    notify();
  });
  stream.on('error', (err) => {
    failure = err;
    notify();
  });
  stream.on('end', () => {
    ended = true;
    notify();
  });
  stream.on('close', () => {
    ended = true;
    notify();
  });
  for (;;) {
    if (buffer.length > 0) {
      const out = buffer;
      buffer = [];
      stream.resume();
      yield out;
    } else if (failure !== null) {
      throw failure;
    } else if (ended) {
      return;
    } else {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
}

/** A record's raw text without the line breaks the parser leaves around it. */
const cleanRaw = (raw: string) => raw.replace(/^[\r\n]+|[\r\n]+$/g, '');

/**
 * The header is the required columns, then any of the optional ones in their listed order
 * (each may be left out: a ledger file may give `ms_id` without `provider_ref`).
 */
function headerProblem<C extends string>(header: string[], spec: CsvColumns<C>): string | null {
  const { required, optional = [] } = spec;
  let next = 0; // the first optional column the rest of the header may still name
  const restInOrder = header.slice(required.length).every((name) => {
    const at = optional.indexOf(name as C, next);
    next = at + 1;
    return at >= 0;
  });
  const ok =
    header.length >= required.length &&
    required.every((name, i) => header[i] === name) &&
    restInOrder;
  if (ok) return null;
  const expected = required.join(',') + optional.map((c) => `[,${c}]`).join('');
  return `the header must be exactly ${expected}`;
}

/** A record as the parser hands it over (see `on_record`). */
interface ParsedRecord {
  /** Records skipped as unparseable just before this one. */
  before: RowError[];
  line: number;
  fields: string[];
  raw: string;
}

/**
 * Streams a CSV file as rows keyed by column name, in bounded memory, yielding them in
 * batches (arrays, in file order) so the per-row cost stays low. The first line must be the
 * header, with the exact column names of `spec`; otherwise one error for it is yielded and
 * nothing else is read. Records that cannot be parsed (bad quoting, too long) or whose field
 * count differs from the header's are yielded as errors with their line; reading goes on after
 * them where the parser can. Lines are 1-based and count the header and blank lines; a record
 * spanning lines reports its first line. I/O errors (missing file) are thrown.
 */
export async function* readCsvRows<C extends string>(
  source: CsvSource,
  spec: CsvColumns<C>,
): AsyncGenerator<CsvItem<C>[]> {
  const input = typeof source === 'string' ? createReadStream(source) : source;
  // Line bookkeeping: where the last record (or skipped record) ended, and blank lines seen.
  // csv-parse counts a CRLF inside a quoted field as two lines; `overcount` corrects that.
  let lastEnd = 0;
  let lastEmpty = 0;
  let overcount = 0;
  const startLine = (parserLines: number, emptyLines: number) => {
    const endLine = parserLines - overcount;
    const start = Math.min(lastEnd + 1 + (emptyLines - lastEmpty), endLine);
    lastEnd = endLine;
    lastEmpty = emptyLines;
    return start;
  };
  // Records the parser skipped since the last record it emitted; handed over with the next
  // record so that errors and rows come out in file order.
  let skipped: RowError[] = [];
  const noneSkipped: RowError[] = [];
  const syntaxError = (err: CsvError): RowError => {
    const line = startLine(
      Number(err.lines) || lastEnd + overcount + 1,
      Number(err.empty_lines) || lastEmpty,
    );
    const raw = typeof err.raw === 'string' ? cleanRaw(err.raw) : '';
    return rowError(line, '(row)', raw, `cannot be parsed as CSV: ${err.message}`);
  };
  const parser = parse({
    bom: true,
    // Both line endings, also mixed in one file (auto-detection would keep the first line's).
    record_delimiter: ['\r\n', '\n'],
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    // With `raw: true` the parser hands over `{ record, raw }`.
    on_record: (
      parsed: { record: string[]; raw: string },
      ctx: { lines: number; empty_lines: number },
    ): ParsedRecord => {
      for (const field of parsed.record) {
        if (field.includes('\r\n')) overcount += field.split('\r\n').length - 1;
      }
      const before = skipped.length > 0 ? skipped : noneSkipped;
      if (skipped.length > 0) skipped = [];
      return {
        before,
        line: startLine(ctx.lines, ctx.empty_lines),
        fields: parsed.record,
        raw: parsed.raw,
      };
    },
  });
  // One refusal per line: csv-parse may report a record twice (two stray quotes in it).
  let lastSkippedLine = 0;
  parser.on('skip', (err: CsvError) => {
    const error = syntaxError(err);
    if (error.line === lastSkippedLine) return;
    lastSkippedLine = error.line;
    skipped.push(error);
  });
  pipeline(input, parser, () => undefined);

  let columns: C[] | null = null;
  try {
    for await (const records of drain<ParsedRecord>(parser, READ_AHEAD)) {
      const items: CsvItem<C>[] = [];
      for (const record of records) {
        for (const error of record.before) items.push({ error });
        const { fields, line } = record;
        if (columns === null) {
          const problem = headerProblem(fields, spec);
          if (problem !== null) {
            items.push({ error: rowError(line, '(header)', cleanRaw(record.raw), problem) });
            yield items;
            return;
          }
          columns = fields as C[];
        } else if (fields.length !== columns.length) {
          items.push({ error: fieldCountError(line, fields.length, columns, record.raw) });
        } else {
          const notText = notUtf8Error(line, fields, columns);
          if (notText) {
            items.push({ error: notText });
            continue;
          }
          const values = {} as Record<C, string>;
          for (let i = 0; i < columns.length; i++) values[columns[i]] = fields[i];
          items.push({ row: { line, values, columns } });
        }
      }
      if (items.length > 0) yield items;
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    skipped.push(syntaxError(err));
  } finally {
    // Stops reading when the consumer leaves early (a bad header) or on error.
    parser.destroy();
    input.destroy();
  }
  const tail: CsvItem<C>[] = skipped.map((error) => ({ error }));
  if (columns === null && skipped.length === 0) {
    tail.push({
      error: rowError(1, '(header)', '', 'the file is empty; a header row is required'),
    });
  }
  if (tail.length > 0) yield tail;
}

/**
 * The rows of an import to validate, in batches: every record refused as read goes to
 * `rejections`, and every data record (not a refused header) counts in `summary.rows`. Rows
 * before a refused record are yielded before it is added, so rejections arrive in file order.
 */
export async function* importableRows<C extends string>(
  source: CsvSource,
  spec: CsvColumns<C>,
  summary: Pick<CsvImportSummary, 'rows'>,
  rejections: Rejections,
): AsyncGenerator<CsvRow<C>[]> {
  for await (const items of readCsvRows<C>(source, spec)) {
    let rows: CsvRow<C>[] = [];
    for (const item of items) {
      if ('row' in item) {
        summary.rows++;
        rows.push(item.row);
        continue;
      }
      if (rows.length > 0) yield rows;
      rows = [];
      if (item.error.field !== '(header)') summary.rows++;
      rejections.add(item.error);
    }
    if (rows.length > 0) yield rows;
  }
}

/** What the UTF-8 decoder puts where the file's bytes are not UTF-8. */
const REPLACEMENT = '\uFFFD';

/**
 * A row with bytes that are not UTF-8 (a Latin-1 `é`), which the reader has replaced by U+FFFD:
 * refused, naming its fields, since two different values (`café`, `cafè`) would read alike and
 * one entry pass as the other's duplicate. A file that holds U+FFFD itself is refused too: the
 * character stands for text already lost.
 */
function notUtf8Error(line: number, fields: readonly string[], columns: readonly string[]) {
  const bad = columns.flatMap((field, i) =>
    fields[i].includes(REPLACEMENT)
      ? [
          {
            field,
            value: fields[i],
            reason: 'is not UTF-8 text (a byte read as U+FFFD): save the file as UTF-8',
          },
        ]
      : [],
  );
  return bad.length > 0 ? rowErrorOfFields(line, bad as [FieldProblem, ...FieldProblem[]]) : null;
}

function fieldCountError(line: number, count: number, columns: readonly string[], raw: string) {
  return count < columns.length
    ? rowError(
        line,
        columns[count],
        '',
        `is missing: the row has ${count} fields, the header ${columns.length}`,
      )
    : rowError(line, '(row)', cleanRaw(raw), `has ${count} fields, the header ${columns.length}`);
}
