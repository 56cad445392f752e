import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG, APP_LOGGER, APP_METRICS, AppConfig, AppMetrics, Logger } from '@app/config';
import { ledgerSnapshot } from '@app/ledger';
import { BalanceInquiryJobData } from '@app/queue';
import {
  AccountResult,
  AlertPublisher,
  errorResult,
  compareBalances,
  JobAccount,
  jobStart,
  saveResult,
} from '@app/reconciliation';
import {
  PermanentSnapError,
  ProviderName,
  ProviderUnavailableError,
  RateLimitedSnapError,
  SnapClient,
  SnapClientFactory,
  SnapError,
} from '@app/snap';

/** Where the job stands in its retries. */
export interface AttemptInfo {
  /** 1 for the first try. */
  number: number;
  /** No retry follows a failure of this attempt. */
  isLast: boolean;
}

/** What processing one job led to. */
export type InquiryOutcome =
  | { kind: 'saved'; status: AccountResult['status'] }
  /** A timing difference: the job must come back after the re-check delay. */
  | { kind: 'recheck' }
  /** The account already had a final result in this run (a redelivered job). */
  | { kind: 'already-final' }
  /** The run was cancelled or has finished: the job did nothing. */
  | { kind: 'run-closed' };

type AccountRow = JobAccount & { provider: ProviderName };

/** Most 429 / 403xx04 answers one job waits out before they count as a failed attempt. */
export const MAX_RATE_LIMIT_HITS = 20;

/**
 * Reconciles one account in one run: balance inquiry, ledger as of the provider's instant,
 * comparison, result. Knows nothing of BullMQ beyond `UnrecoverableError`, so it is tested
 * directly.
 */
@Injectable()
export class BalanceInquiryService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clients: SnapClientFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
    private readonly alerts: AlertPublisher,
  ) {}

  async process(job: BalanceInquiryJobData, attempt: AttemptInfo): Promise<InquiryOutcome> {
    const start = await jobStart(this.ds, job.runId, job.accountId);
    if (start.hasFinalResult) return { kind: 'already-final' };
    // Cancelled (or finished) meanwhile: nothing more is asked for it.
    if (!start.runOpen) return { kind: 'run-closed' };
    if (!start.account)
      throw new UnrecoverableError(`provider account ${job.accountId} does not exist`);
    const account = start.account as AccountRow;
    const base = { runId: job.runId, accountId: job.accountId, attempts: attempt.number };
    let client: SnapClient;
    try {
      client = this.clients.get(account.provider, account.credential_set);
    } catch (e) {
      const message = (e as Error).message;
      await this.record(account.provider, {
        ...errorResult(base),
        status: 'error',
        final: true,
        errorMessage: message,
      });
      throw new UnrecoverableError(message);
    }
    try {
      return await this.reconcile(job, account, client, base);
    } catch (e) {
      return this.failed(e, job, attempt, account, client, base);
    }
  }

  private async reconcile(
    job: BalanceInquiryJobData,
    account: AccountRow,
    client: SnapClient,
    base: Pick<AccountResult, 'runId' | 'accountId' | 'attempts'>,
  ): Promise<InquiryOutcome> {
    const balance = await client.balanceInquiry({
      accountNo: account.account_no,
      currency: account.currency,
    });
    const asOf = balance.providerTime ?? balance.requestTime;
    const ledger = await ledgerSnapshot(
      this.ds,
      account.id,
      asOf,
      this.config.RECON_IN_FLIGHT_WINDOW_SECONDS * 1000,
    );
    const comparison = compareBalances(
      balance.availableBalance,
      ledger,
      this.config.RECON_TOLERANCE,
      job.stage === 'recheck',
    );
    const result: AccountResult = {
      ...base,
      status: comparison.status,
      final: comparison.status !== 'timing',
      providerBalance: balance.availableBalance,
      ledgerBalance: ledger.balance,
      difference: comparison.difference,
      inFlightAmount: comparison.inFlightAmount,
      currency: balance.currency,
      responseCode: balance.responseCode,
      providerTime: balance.providerTime,
      asOf,
      externalId: balance.externalId,
      errorMessage: null,
    };
    if (comparison.status !== 'matched' && (await this.isInactive(client, account))) {
      result.status = 'inactive';
      result.final = true;
    }
    await this.record(account.provider, result);
    this.logger.info(
      {
        externalId: balance.externalId,
        status: result.status,
        difference: String(comparison.difference),
      },
      'account reconciled',
    );
    return result.final ? { kind: 'saved', status: result.status } : { kind: 'recheck' };
  }

  /**
   * A failed inquiry: retryable failures are rethrown for the queue's backoff (rate limits for
   * the worker's limiter) until the last attempt; then, or at once for a permanent failure, the
   * account's result becomes `error` (or `inactive` for an inactive Netzme account).
   */
  private async failed(
    e: unknown,
    job: BalanceInquiryJobData,
    attempt: AttemptInfo,
    account: AccountRow,
    client: SnapClient,
    base: Pick<AccountResult, 'runId' | 'accountId' | 'attempts'>,
  ): Promise<never> {
    // Not sent: the breaker is open. No attempt is spent; the processor defers the job.
    if (e instanceof ProviderUnavailableError) throw e;
    const snap = e instanceof SnapError ? e : null;
    const deferrable =
      e instanceof RateLimitedSnapError && (job.rateLimitHits ?? 0) < MAX_RATE_LIMIT_HITS;
    const retryable = snap ? snap.retryable : true;
    if (deferrable || (retryable && !attempt.isLast)) {
      this.logger.warn(
        {
          externalId: snap?.details.externalId,
          responseCode: snap?.details.responseCode,
          err: (e as Error).message,
        },
        'inquiry failed; will retry',
      );
      throw e;
    }
    const inactive = e instanceof PermanentSnapError && (await this.isInactive(client, account));
    await this.record(account.provider, {
      ...errorResult(base),
      status: inactive ? 'inactive' : 'error',
      final: true,
      responseCode: snap?.details.responseCode ?? null,
      externalId: snap?.details.externalId ?? null,
      errorMessage: (e as Error).message,
    });
    this.logger.warn(
      {
        externalId: snap?.details.externalId,
        responseCode: snap?.details.responseCode,
        err: (e as Error).message,
      },
      'inquiry failed for good',
    );
    if (!retryable) throw new UnrecoverableError((e as Error).message);
    throw e;
  }

  /** Saves a result and counts it; the result that completes a run records the run's duration. */
  private async record(provider: ProviderName, result: AccountResult): Promise<void> {
    const outcome = await saveResult(this.ds, result);
    if (outcome.written && result.final)
      this.metrics.results.inc({ provider, status: result.status });
    if (outcome.runFinished) await this.afterRun(result.runId);
  }

  /** The run is finished: record its duration and announce it (with the discrepancies it opened or closed). */
  private async afterRun(runId: string): Promise<void> {
    const [{ seconds }] = await this.ds.query(
      `SELECT extract(epoch FROM finished_at - started_at)::float8 AS seconds FROM reconciliation_runs WHERE id = $1`,
      [runId],
    );
    this.metrics.runDuration.observe(seconds);
    await this.alerts.runFinished(runId);
  }

  /** For a Netzme account that does not match: is it simply not active? */
  private async isInactive(client: SnapClient, account: AccountRow): Promise<boolean> {
    if (!this.config.CHECK_NETZME_ACCOUNT_STATUS || !client.profile.accountStatusPath) return false;
    try {
      return !(await client.accountStatus(account.account_no)).active;
    } catch (e) {
      this.logger.warn(
        { err: (e as Error).message },
        'account status inquiry failed; keeping the balance outcome',
      );
      return false;
    }
  }
}
