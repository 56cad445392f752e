import type { DataSource } from 'typeorm';

/** The figures the producer's alerting gauges show, read at scrape time. */
export interface AlertFigures {
  /** Unix seconds of the latest finished run; 0 before the first. */
  lastFinishedRunAt: number;
  oldestRunningRunAgeSeconds: number;
  openDiscrepanciesByAge: Record<'lt_1h' | '1h_24h' | '1d_7d' | 'gt_7d', number>;
  oldestOpenDiscrepancyAgeSeconds: number;
}

/** One statement for every gauge (a scrape every 15 s must stay cheap: each part is an index scan). */
export async function loadAlertFigures(ds: DataSource): Promise<AlertFigures> {
  const [r]: Record<string, string | number | null>[] = await ds.query(`
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

/**
 * Marks the running runs started more than `deadlineSeconds` ago as stalled and returns their
 * ids; a run is marked (and so announced) once, whichever worker's sweep finds it first.
 */
export async function markStalledRuns(ds: DataSource, deadlineSeconds: number): Promise<string[]> {
  // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
  const [rows]: [{ id: string }[], number] = await ds.query(
    `UPDATE reconciliation_runs SET stalled_at = now()
      WHERE status = 'running' AND stalled_at IS NULL AND started_at < now() - make_interval(secs => $1)
      RETURNING id`,
    [deadlineSeconds],
  );
  return rows.map((r) => String(r.id)).sort((a, b) => Number(a) - Number(b));
}
