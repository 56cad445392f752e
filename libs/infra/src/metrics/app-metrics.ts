import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Injection token of the process's {@link AppMetrics}. */
export const APP_METRICS = Symbol('APP_METRICS');

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

  readonly tokenRequests = new Counter({
    name: 'snap_token_requests_total',
    help: 'Access tokens requested from providers (refreshes included)',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly results = new Counter({
    name: 'recon_results_total',
    help: 'Final reconciliation results written, by provider and status',
    labelNames: ['provider', 'status'] as const,
    registers: [this.registry],
  });

  /** Issue 15: mismatches explained from the provider's history, by outcome. */
  readonly attributions = new Counter({
    name: 'recon_attributions_total',
    help: 'Mismatched results explained from provider history, by provider and outcome (explained, partly-explained, failed)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly historyRequests = new Counter({
    name: 'snap_history_requests_total',
    help: 'Transaction-history pages requested for attribution, by provider',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly runDuration = new Histogram({
    name: 'recon_run_duration_seconds',
    help: 'Wall time of finished reconciliation runs',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  readonly breakerOpen = new Gauge({
    name: 'snap_provider_breaker_open',
    help: 'Circuit breaker of a provider: 1 open (taken for down, only probes sent), 0 closed',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly lastSuccess = new Gauge({
    name: 'snap_provider_last_success_timestamp_seconds',
    help: 'When a provider last answered (Unix seconds), as its circuit breaker saw it',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly jobs = new Gauge({
    name: 'bullmq_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  /** Set by the producer at scrape time (alerts: no run finished for too long). */
  readonly lastFinishedRun = new Gauge({
    name: 'recon_last_finished_run_timestamp_seconds',
    help: 'Unix time the latest finished reconciliation run finished (0 before the first)',
    registers: [this.registry],
  });

  /** Set by the producer at scrape time (alerts: a run past its deadline). */
  readonly oldestRunningRunAge = new Gauge({
    name: 'recon_oldest_running_run_age_seconds',
    help: 'Age of the oldest run still running (0 when none runs)',
    registers: [this.registry],
  });

  /** Set by the producer at scrape time: open and acknowledged discrepancies by how long they have been open. */
  readonly openDiscrepancies = new Gauge({
    name: 'recon_open_discrepancies',
    help: 'Discrepancies not resolved, by age since opened (age: lt_1h, 1h_24h, 1d_7d, gt_7d)',
    labelNames: ['age'] as const,
    registers: [this.registry],
  });

  readonly oldestOpenDiscrepancyAge = new Gauge({
    name: 'recon_oldest_open_discrepancy_age_seconds',
    help: 'Age of the oldest discrepancy not resolved (0 when none)',
    registers: [this.registry],
  });

  readonly queueLag = new Gauge({
    name: 'bullmq_queue_lag_seconds',
    help: 'Seconds the oldest waiting job of each provider queue has waited (0: none waits)',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
  }
}
