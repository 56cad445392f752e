import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Injection token of the process's {@link AppMetrics}. */
export const APP_METRICS = Symbol('APP_METRICS');

/** The producer's unlabelled scrape-time gauges (a worker never sets them). */
const PRODUCER_ONLY_GAUGES = [
  'recon_last_finished_run_timestamp_seconds',
  'recon_oldest_running_run_age_seconds',
  'recon_oldest_open_discrepancy_age_seconds',
];
/** Unlabelled metrics only a worker records (a producer would export them as zeros). */
const WORKER_ONLY = ['recon_worker_up', 'recon_run_duration_seconds'];

/**
 * The Prometheus metrics of one process (prom-client). The worker records provider calls,
 * token requests and results; the producer adds queue and run figures at scrape time.
 */
export class AppMetrics {
  readonly registry = new Registry();

  readonly providerCallSeconds = new Histogram({
    name: 'snap_provider_call_duration_seconds',
    help: 'Duration of SNAP provider calls by provider, operation and response code (or network-error / no-code)',
    labelNames: ['provider', 'operation', 'code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly tokenRequests = this.counter(
    'snap_token_requests_total',
    'Access tokens the providers issued (refreshes included; a refused token request is not counted)',
    ['provider'],
  );

  readonly results = this.counter(
    'recon_results_total',
    'Final reconciliation results written, by provider and status',
    ['provider', 'status'],
  );

  /** Issue 15: breaks explained from the provider's history, by outcome. */
  readonly attributions = this.counter(
    'recon_attributions_total',
    'Breaks (mismatched, or inactive with a difference) explained from provider history, by provider and outcome (explained, partly-explained, not-explained, failed)',
    ['provider', 'outcome'],
  );

  readonly historyRequests = this.counter(
    'snap_history_requests_total',
    'Transaction-history pages requested for attribution, by provider',
    ['provider'],
  );

  readonly runDuration = new Histogram({
    name: 'recon_run_duration_seconds',
    help: 'Wall time of finished reconciliation runs',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  readonly breakerOpen = this.gauge(
    'snap_provider_breaker_open',
    'Circuit breaker of a provider: 1 open (taken for down, only probes sent), 0 closed',
    ['provider'],
  );

  readonly lastSuccess = this.gauge(
    'snap_provider_last_success_timestamp_seconds',
    'When a provider last answered (Unix seconds), as its circuit breaker saw it',
    ['provider'],
  );

  readonly jobs = this.gauge('bullmq_jobs', 'Jobs per queue and state', ['queue', 'state']);

  /** Set by the producer at scrape time (alerts: no run finished for too long). */
  readonly lastFinishedRun = this.gauge(
    'recon_last_finished_run_timestamp_seconds',
    'Unix time the latest finished reconciliation run finished (0 before the first)',
  );

  /** Set by the producer at scrape time (alerts: a run past its deadline). */
  readonly oldestRunningRunAge = this.gauge(
    'recon_oldest_running_run_age_seconds',
    'Age of the oldest run still running (0 when none runs)',
  );

  /** Set by the producer at scrape time: open and acknowledged discrepancies by how long they have been open. */
  readonly openDiscrepancies = this.gauge(
    'recon_open_discrepancies',
    'Discrepancies not resolved, by age since opened (age: lt_1h, 1h_24h, 1d_7d, gt_7d)',
    ['age'],
  );

  readonly oldestOpenDiscrepancyAge = this.gauge(
    'recon_oldest_open_discrepancy_age_seconds',
    'Age of the oldest discrepancy not resolved (0 when none)',
  );

  readonly queueLag = this.gauge(
    'bullmq_queue_lag_seconds',
    'Seconds the oldest waiting job of each provider queue has waited, paused or not (0: none waits)',
    ['queue'],
  );

  /** Set by the producer at scrape time: whether each source of the figures above answered. */
  readonly metricsSourceUp = this.gauge(
    'recon_metrics_source_up',
    "Whether a source of the producer's scrape-time figures answered this scrape (1) or not (0: its figures are the last ones read); source: queues (Redis), breakers (Redis), runs (Postgres)",
    ['source'],
  );

  /** A counter of this process's registry; `labels` are the names its series are split by. */
  private counter<L extends string>(name: string, help: string, labels: readonly L[] = []) {
    return new Counter<L>({ name, help, labelNames: labels, registers: [this.registry] });
  }

  /** A gauge of this process's registry; `labels` are the names its series are split by. */
  private gauge<L extends string>(name: string, help: string, labels: readonly L[] = []) {
    return new Gauge<L>({ name, help, labelNames: labels, registers: [this.registry] });
  }

  /** 1 in every worker process (alerts: no worker reporting); only workers export it. */
  readonly workerUp = this.gauge(
    'recon_worker_up',
    'Always 1 in a snap-recon worker process: its absence means no worker is being scraped',
  );

  /**
   * `app` is `producer`, `worker` or another name (tests). An unlabelled gauge is exported
   * (as 0) from the moment it exists, so each of the two apps drops the other's: a worker
   * exporting the producer's `recon_last_finished_run_timestamp_seconds 0` kept "no producer
   * reporting" from ever firing, and read as a run finished in 1970.
   */
  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
    const dropped =
      app === 'worker'
        ? PRODUCER_ONLY_GAUGES
        : app === 'producer'
          ? WORKER_ONLY
          : // Another name (one process with both apps' parts, in tests): no worker to count.
            ['recon_worker_up'];
    for (const name of dropped) this.registry.removeSingleMetric(name);
    if (app === 'worker') this.workerUp.set(1);
  }
}
