import type { Db } from '@app/ledger';

/** The figures the producer's alerting gauges show, read at scrape time. */
export interface AlertFigures {
  /** Unix seconds of the latest finished run; 0 before the first. */
  lastFinishedRunAt: number;
  oldestRunningRunAgeSeconds: number;
  openDiscrepanciesByAge: Record<'lt_1h' | '1h_24h' | '1d_7d' | 'gt_7d', number>;
  oldestOpenDiscrepancyAgeSeconds: number;
}

/**
 * The alerting gauges' read model over `reconciliation_runs` and `discrepancies`: one
 * statement for every gauge (a scrape every 15 s must stay cheap: each part is an index scan).
 */
export async function read(db: Db): Promise<AlertFigures> {
  const [r]: Record<string, string | number | null>[] = await db.query(`
    SELECT
      coalesce(extract(epoch FROM (SELECT max(finished_at) FROM reconciliation_runs WHERE status = 'finished')), 0)::float8 AS last_finished,
      coalesce(extract(epoch FROM now() - (SELECT min(started_at) FROM reconciliation_runs WHERE status = 'running')), 0)::float8 AS oldest_running,
      count(*) FILTER (WHERE d.opened_at > now() - interval '1 hour') AS lt_1h,
      count(*) FILTER (WHERE d.opened_at <= now() - interval '1 hour' AND d.opened_at > now() - interval '1 day') AS h1_24h,
      count(*) FILTER (WHERE d.opened_at <= now() - interval '1 day' AND d.opened_at > now() - interval '7 days') AS d1_7d,
      count(*) FILTER (WHERE d.opened_at <= now() - interval '7 days') AS gt_7d,
      coalesce(extract(epoch FROM now() - min(d.opened_at)), 0)::float8 AS oldest_open
    FROM discrepancies d WHERE d.status <> 'resolved'`);
  return {
    lastFinishedRunAt: Number(r.last_finished),
    oldestRunningRunAgeSeconds: Number(r.oldest_running),
    openDiscrepanciesByAge: {
      lt_1h: Number(r.lt_1h),
      '1h_24h': Number(r.h1_24h),
      '1d_7d': Number(r.d1_7d),
      gt_7d: Number(r.gt_7d),
    },
    oldestOpenDiscrepancyAgeSeconds: Number(r.oldest_open),
  };
}
