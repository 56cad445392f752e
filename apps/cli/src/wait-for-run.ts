import { SingleBar, Presets } from 'cli-progress';
import type { DataSource } from 'typeorm';
import { loadRun, RunView } from '@app/reconciliation';

/**
 * Polls a run until it is no longer running, drawing a progress bar on a terminal (stderr).
 * Returns the last view of the run; `timedOut` when the deadline passed first.
 */
export async function waitForRun(
  ds: DataSource,
  runId: string,
  { timeoutMs, pollMs = 500, progress = process.stderr.isTTY === true } = { timeoutMs: 3_600_000 },
): Promise<{ run: RunView; timedOut: boolean }> {
  const deadline = Date.now() + timeoutMs;
  const bar = progress
    ? new SingleBar(
        { format: 'run {runId} [{bar}] {value}/{total} accounts  {eta_formatted} left' },
        Presets.shades_classic,
      )
    : null;
  let run = await mustLoad(ds, runId);
  bar?.start(run.accountCount, run.completedCount, { runId });
  try {
    while (run.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, pollMs));
      run = await mustLoad(ds, runId, false);
      bar?.update(run.completedCount);
    }
  } finally {
    bar?.stop();
  }
  return { run, timedOut: run.status === 'running' };
}

async function mustLoad(ds: DataSource, runId: string, liveCounts = true): Promise<RunView> {
  const run = await loadRun(ds, runId, { liveCounts });
  if (!run) throw new Error(`run ${runId} not found`);
  return run;
}
