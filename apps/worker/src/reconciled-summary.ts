import type { Logger } from '@app/infra';

/** How often the per-run summary line is written while accounts are being reconciled. */
export const SUMMARY_INTERVAL_MS = 10_000;

/**
 * The operator's view of a run at `info` without a line per account: counts of reconciled
 * accounts by run and status, written as one `accounts reconciled` line per run every
 * {@link SUMMARY_INTERVAL_MS}, when the run finishes, and when the worker stops. The line per
 * account is at `debug` (a log line per account was ~3 % of a worker's CPU at info).
 */
export class ReconciledSummary {
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly since = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly logger: Logger,
    intervalMs = SUMMARY_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.flushAll(), intervalMs);
    this.timer.unref();
  }

  /** One account of a run reached `status` in this process. */
  add(runId: string, status: string): void {
    let byStatus = this.counts.get(runId);
    if (!byStatus) {
      byStatus = new Map();
      this.counts.set(runId, byStatus);
      this.since.set(runId, this.now());
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }

  /** Writes the run's line (if it has counts since the last one) and starts counting afresh. */
  flush(runId: string): void {
    const byStatus = this.counts.get(runId);
    if (!byStatus) return;
    let accounts = 0;
    for (const n of byStatus.values()) accounts += n;
    this.logger.info(
      {
        runId,
        accounts,
        byStatus: Object.fromEntries(byStatus),
        seconds: Math.round((this.now() - (this.since.get(runId) ?? this.now())) / 100) / 10,
      },
      'accounts reconciled',
    );
    this.counts.delete(runId);
    this.since.delete(runId);
  }

  flushAll(): void {
    for (const runId of [...this.counts.keys()]) this.flush(runId);
  }

  /** Writes what is left and stops the timer. */
  close(): void {
    clearInterval(this.timer);
    this.flushAll();
  }
}
