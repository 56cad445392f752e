import { AppMetrics } from './app-metrics';

/** Metric names a process's /metrics text exports. */
async function exported(app: string): Promise<Set<string>> {
  const text = await new AppMetrics(app).registry.metrics();
  return new Set(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]),
  );
}

describe('AppMetrics: what each app exports before it sets anything', () => {
  const producerOnly = [
    'recon_last_finished_run_timestamp_seconds',
    'recon_oldest_running_run_age_seconds',
    'recon_oldest_open_discrepancy_age_seconds',
  ];

  it('a worker exports none of the producer’s scrape-time gauges (a 0 from a worker hid a missing producer) and recon_worker_up 1', async () => {
    const names = await exported('worker');
    for (const name of producerOnly) expect(names).not.toContain(name);
    expect(
      await new AppMetrics('worker').registry.getSingleMetricAsString('recon_worker_up'),
    ).toMatch(/^recon_worker_up\{app="worker"\} 1$/m);
  });

  it('a producer exports its scrape-time gauges and none of the worker’s unlabelled metrics (recon_worker_up; recon_run_duration_seconds, which read as zeros)', async () => {
    const names = await exported('producer');
    for (const name of producerOnly) expect(names).toContain(name);
    expect(names).not.toContain('recon_worker_up');
    expect(names).not.toContain('recon_run_duration_seconds_count');
    expect(await exported('worker')).toContain('recon_run_duration_seconds_count');
  });
});
