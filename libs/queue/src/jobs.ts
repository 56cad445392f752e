import type { ProviderName } from '@app/snap';

/** Job names; {@link JobPayloads} (job-catalogue.ts) gives each its payload type. */
export const JOB = {
  balanceInquiry: 'balance-inquiry',
  scheduledRun: 'scheduled-run',
  /** Before alerts: `{ discrepancyId }` only; a job left from then is published again as an alert. */
  discrepancyWebhook: 'discrepancy-webhook',
  alertWebhook: 'alert-webhook',
  retention: 'retention',
} as const;

/**
 * Payload of a balance-inquiry job. Ids only: no secret, no balance, nothing that could
 * leak through Bull Board.
 */
export interface BalanceInquiryJobData {
  runId: string;
  accountId: string;
  provider: ProviderName;
  /** `recheck` after a difference, delayed by the recheck delay. */
  stage: 'first' | 'recheck';
  /** A re-check's number (1 = the first re-check); at `RECON_MAX_RECHECKS` it is the last. */
  recheck?: number;
  /** For a re-check: the first check's instant (ISO 8601), what was in flight then is judged by it. */
  firstAsOf?: string;
  /** For a re-check: the previous check's instant (ISO 8601), to tell a provider clock that stood. */
  previousAsOf?: string;
  /** For a re-check: not judged before this (epoch ms); brought back early, it waits it out. */
  notBefore?: number;
  /** Times the provider asked us to slow down for this job (429 / 403xx04). */
  rateLimitHits?: number;
  /** Attempts that failed with a token rejected after its refresh (the second is the last). */
  tokenRejections?: number;
  /** Times the run sweeper put this job back after it failed without a result. */
  sweeps?: number;
}

/**
 * The payload with every field present, in one order, absent ones undefined (JSON leaves them
 * out). Redis hands back a first check's payload and a re-check's as objects of different V8
 * hidden classes; the worker's code that reads them was compiled for the first kind and threw
 * that code away when re-checks came back mid-run (bench/README.md, fifteenth look). Anything
 * but an object is returned as it is.
 */
export function balanceJobData(data: BalanceInquiryJobData): BalanceInquiryJobData {
  if (typeof data !== 'object' || data === null) return data;
  return {
    runId: data.runId,
    accountId: data.accountId,
    provider: data.provider,
    stage: data.stage,
    recheck: data.recheck,
    firstAsOf: data.firstAsOf,
    previousAsOf: data.previousAsOf,
    notBefore: data.notBefore,
    rateLimitHits: data.rateLimitHits,
    tokenRejections: data.tokenRejections,
    sweeps: data.sweeps,
  };
}

/** Payload of a scheduled-run job: empty; the tick's job id is the run's schedule key. */
export type ScheduledRunJobData = Record<string, never>;

/** Payload of a retention job: empty; the days to keep come from the config at run time. */
export type RetentionJobData = Record<string, never>;

/**
 * A job queued before alerts existed: the id of a newly opened discrepancy only. Still
 * handled (it is published again as an alert) so that such a job left in Redis is delivered.
 */
export interface DiscrepancyWebhookJobData {
  discrepancyId: string;
}

/**
 * The job id of an account's inquiry in a run. Deterministic, so a repeated enqueue of the
 * same run adds nothing. (BullMQ ids may not contain `:` nor be integers.)
 */
export function balanceJobId(runId: string, accountId: string): string {
  return `run-${runId}-account-${accountId}`;
}

/**
 * Payload of an alert delivery: one event to one subscribed URL. The URL itself is a secret
 * and not here (Bull Board shows job data): `subscriber` is its fingerprint, looked up in the
 * config at delivery. `body` is the JSON sent, as built when the event happened.
 */
export interface AlertWebhookJobData {
  event: string;
  deliveryId: string;
  subscriber: string;
  body: string;
  /** For `discrepancy.opened` and `discrepancy.reopened`: marked announced once delivered. */
  discrepancyId?: string;
  /** For `discrepancy.reopened`: the run that reopened it (a discrepancy can be reopened again). */
  reopenedRunId?: string;
}
