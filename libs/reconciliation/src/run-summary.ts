import type { DataSource } from 'typeorm';
import { trackDiscrepancies } from './discrepancies';
import { RESULT_STATUSES, ResultStatus } from './result-status';

export type StatusCounts = Record<ResultStatus, number>;

/** A finished run's figures; amounts are decimal strings of minor units (`bigint` in JSON). */
export interface RunSummary {
  counts: StatusCounts;
  byProvider: Record<string, StatusCounts>;
  /** Sum of |difference| over mismatched accounts, in minor units, as a string. */
  totalAbsDifference: string;
  /** Largest |difference| of a mismatched account, in minor units, as a string. */
  largestAbsDifference: string;
}

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(RESULT_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/** Counts per status and per provider, and the mismatch totals, from the run's results. */
export async function computeSummary(ds: DataSource, runId: string): Promise<RunSummary> {
  const rows: {
    provider: string;
    status: ResultStatus;
    n: string;
    total: string | null;
    largest: string | null;
  }[] = await ds.query(
    `SELECT a.provider, r.status, count(*) AS n,
              sum(abs(r.difference)) FILTER (WHERE r.status = 'mismatched') AS total,
              max(abs(r.difference)) FILTER (WHERE r.status = 'mismatched') AS largest
         FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1
        GROUP BY a.provider, r.status`,
    [runId],
  );
  const summary: RunSummary = {
    counts: emptyCounts(),
    byProvider: {},
    totalAbsDifference: '0',
    largestAbsDifference: '0',
  };
  let total = 0n;
  let largest = 0n;
  for (const row of rows) {
    const n = Number(row.n);
    summary.counts[row.status] += n;
    summary.byProvider[row.provider] ??= emptyCounts();
    summary.byProvider[row.provider][row.status] += n;
    if (row.total !== null) total += BigInt(row.total);
    if (row.largest !== null && BigInt(row.largest) > largest) largest = BigInt(row.largest);
  }
  summary.totalAbsDifference = total.toString();
  summary.largestAbsDifference = largest.toString();
  return summary;
}

/** Marks a running run finished with its summary; false if another process already did. */
export async function finalizeRun(ds: DataSource, runId: string): Promise<boolean> {
  const summary = await computeSummary(ds, runId);
  return ds.transaction(async (tx) => {
    const updated: unknown[] = await tx.query(
      `UPDATE reconciliation_runs SET status = 'finished', finished_at = now(), summary = $2
        WHERE id = $1 AND status = 'running' RETURNING id`,
      [runId, JSON.stringify(summary)],
    );
    if (updated.length === 0) return false;
    await trackDiscrepancies(tx, runId);
    return true;
  });
}
