import { RunsService } from '@app/reconciliation';
import type { Pipeline } from '../support/pipeline';

/** Starts a run of every account through the producer's service; its id. */
export async function startRun(pipeline: Pipeline): Promise<string> {
  return (await pipeline.producer.get(RunsService).start('cli')).runId;
}

/** Results of a run per account: how many accounts, how many with one result, how many final. */
export async function resultsPerAccount(
  pipeline: Pipeline,
  runId: string,
): Promise<{ accounts: number; withOneResult: number; final: number }> {
  const rows: { n: string; final: boolean }[] = await pipeline.db.dataSource.query(
    `SELECT count(*) AS n, bool_and(is_final) AS final FROM reconciliation_results
      WHERE run_id = $1 GROUP BY account_id`,
    [runId],
  );
  return {
    accounts: rows.length,
    withOneResult: rows.filter((r) => r.n === '1').length,
    final: rows.filter((r) => r.final).length,
  };
}
