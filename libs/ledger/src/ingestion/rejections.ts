import type { RowError } from './row-error';

/** Default number of rejected rows an import keeps in its report. */
export const DEFAULT_MAX_REJECTED = 10_000;

/**
 * Collects the rejected rows of one import: counts them all, keeps the first `max` (so a
 * file of a million bad rows does not hold a million errors in memory), lists them by line.
 */
export class Rejections {
  private readonly kept: RowError[] = [];
  private lastLine = 0;
  /** Rejected rows so far, kept or not. */
  count = 0;

  constructor(private readonly max = DEFAULT_MAX_REJECTED) {}

  /**
   * Records one rejected row. A second problem reported right after for the same line (the
   * CSV parser can give two for one broken record) is not counted again.
   */
  add(error: RowError): void {
    if (error.line === this.lastLine) return;
    this.lastLine = error.line;
    this.count++;
    if (this.kept.length < this.max) this.kept.push(error);
  }

  /** True when rows were rejected beyond those kept. */
  get truncated(): boolean {
    return this.count > this.kept.length;
  }

  /** The kept rejections, by line. */
  list(): RowError[] {
    return [...this.kept].sort((a, b) => a.line - b.line);
  }

  /** The rejection fields of an import summary. */
  summary(): { rejectedCount: number; rejectedTruncated: boolean; rejected: RowError[] } {
    return { rejectedCount: this.count, rejectedTruncated: this.truncated, rejected: this.list() };
  }
}
