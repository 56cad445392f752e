import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { APP_LOGGER, APP_METRICS, AppMetrics, JobLog, JobLogger, Logger } from '@app/infra';
import { accountKeyText, ledgerSnapshot, MAX_LEDGER_BALANCE } from '@app/ledger';
import { BalanceInquiryJobData } from '@app/queue';
import {
  AccountResult,
  accountResult,
  AlertPublisher,
  attributeBreak,
  AttributionJson,
  errorResult,
  hasHistory,
  compareBalances,
  earlierChecks,
  reconciliationInstant,
  JobAccount,
  JobStart,
  jobStart,
  saveResult,
  SaveOutcome,
} from '@app/reconciliation';
import {
  AccountMisfitError,
  AccountStatusResult,
  BalanceInquiryResult,
  formatAmount,
  PermanentSnapError,
  ProviderName,
  ProviderUnavailableError,
  RateLimitedSnapError,
  SnapClient,
  SnapClientFactory,
  SnapError,
  TokenRejectedSnapError,
  TokenRequestError,
} from '@app/snap';
import { ReconciledSummary } from './reconciled-summary';

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
  /** A timing difference: the job must come back after the re-check delay (`asOf`: the provider's instant). */
  | { kind: 'recheck'; asOf: Date }
  /** The account already had a final result in this run (a redelivered job). */
  | { kind: 'already-final' }
  /** The run was cancelled or has finished: the job did nothing. */
  | { kind: 'run-closed' };

type AccountRow = JobAccount & { provider: ProviderName };

/**
 * What an operator should know beside a final failure's message: why a token rejection is not
 * retried further, and that a 401 to a signed call whose token was accepted is about our
 * request, the same for every account of the credential set (a tester's wrong client secret
 * read only "Unauthorized [Unknown client]" on each of them).
 */
function failureHint(e: unknown, tokensNotTaken: boolean): string {
  if (tokensNotTaken) {
    return '; a token was rejected after its refresh on two attempts: not retried';
  }
  // 401xx00 "Unauthorized" only: another case (an unlisted `401xx02`) may mean anything.
  if (
    e instanceof PermanentSnapError &&
    !(e instanceof TokenRequestError) &&
    /^401\d\d00$/.test(e.details.responseCode ?? '')
  ) {
    return "; the provider took the token but refused the signed call: check the credential set's client secret (the HMAC key), partner id and channel id, and the path signed (SNAP_<P>_*_SIGNED_PATH)";
  }
  return '';
}

/** Most 429 / 403xx04 answers one job waits out before they count as a failed attempt. */
export const MAX_RATE_LIMIT_HITS = 20;

/** True when an amount fits a result's columns (Postgres `bigint` of minor units). */
const fitsResult = (amount: bigint) =>
  amount <= MAX_LEDGER_BALANCE && amount >= -MAX_LEDGER_BALANCE;

/**
 * Reconciles one account in one run: balance inquiry, ledger as of the provider's instant,
 * comparison, result. Reads and writes only through the libraries' repository-backed
 * functions (job start, ledger snapshot, result store, which finalizes the run its result
 * completes); it writes no SQL. The alert of a finished run goes through {@link AlertPublisher},
 * which enqueues with the job catalogue's helpers; beyond that it knows nothing of BullMQ but
 * `UnrecoverableError`, so it is tested directly.
 */
@Injectable()
export class BalanceInquiryService implements OnModuleDestroy {
  /** The per-run `accounts reconciled` line at info; the line per account is at debug. */
  private readonly summary: ReconciledSummary;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clients: SnapClientFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
    private readonly alerts: AlertPublisher,
  ) {
    this.summary = new ReconciledSummary(logger);
  }

  onModuleDestroy(): void {
    this.summary.close();
  }

  /**
   * Processes one job. `known` is the job's start as its admission read it (one statement
   * for both); without it the start is read here. `log` writes the job's lines (the processor
   * passes a {@link JobLogger} bound to the job; by default one bound to its run, account,
   * provider and attempt).
   */
  async process(
    job: BalanceInquiryJobData,
    attempt: AttemptInfo,
    known?: JobStart,
    log: JobLog = new JobLogger(this.logger, {
      runId: job.runId,
      accountId: job.accountId,
      provider: job.provider,
      attempt: attempt.number,
    }),
  ): Promise<InquiryOutcome> {
    const start = known ?? (await jobStart(this.ds, job.runId, job.accountId));
    if (start.hasFinalResult) return { kind: 'already-final' };
    // Cancelled (or finished) meanwhile: nothing more is asked for it.
    if (!start.runOpen) return { kind: 'run-closed' };
    if (!start.account)
      throw new UnrecoverableError(`provider account ${job.accountId} does not exist`);
    const account = start.account as AccountRow;
    const base = { runId: job.runId, accountId: job.accountId, attempts: attempt.number };
    let client: SnapClient;
    try {
      if (this.hasOwnCredentials(account.provider) && !account.credential_set) {
        // The provider knows the merchant by the credentials alone: the default set would
        // answer for whichever merchant it belongs to, never for this account.
        throw new Error(
          `${account.provider} knows an account by its credential set, and account ${accountKeyText({ provider: account.provider, accountNo: account.account_no, msId: account.ms_id })} names none (accounts CSV column credential)`,
        );
      }
      client = this.clients.get(account.provider, account.credential_set).withLogger(log);
    } catch (e) {
      const message = (e as Error).message;
      await this.record(
        account.provider,
        log,
        Object.assign(errorResult(base), {
          status: 'error',
          final: true,
          errorMessage: message,
        } satisfies Partial<AccountResult>),
      );
      throw new UnrecoverableError(message);
    }
    try {
      return await this.reconcile(job, account, client, base, log);
    } catch (e) {
      return this.failed(e, job, attempt, account, client, base, log);
    }
  }

  private async reconcile(
    job: BalanceInquiryJobData,
    account: AccountRow,
    client: SnapClient,
    base: Pick<AccountResult, 'runId' | 'accountId' | 'attempts'>,
    log: JobLog,
  ): Promise<InquiryOutcome> {
    const balance = await client.balanceInquiry({
      accountNo: account.account_no,
      currency: account.currency,
      msId: account.ms_id ?? undefined,
    });
    for (const entry of balance.balances)
      if (entry.unreadable)
        // Not the balance reconciled (e.g. Netzme's Points), but the provider answered it out
        // of its contract: said once per account, with its external id for the provider.
        log.warn(
          { externalId: balance.externalId, balanceType: entry.balanceType, err: entry.unreadable },
          'a balance entry not reconciled could not be read',
        );
    if (balance.providerTimeIgnored)
      // Reconciled as of the request time instead; said per account, for the provider.
      log.warn(
        { externalId: balance.externalId, err: balance.providerTimeIgnored },
        "the provider's time in the answer was not used",
      );
    const otherMerchant = this.otherMerchant(account, balance.providerName);
    if (otherMerchant) {
      // Never compare a ledger with another merchant's balance.
      return this.notCompared(
        account,
        log,
        base,
        balance,
        otherMerchant,
        'inquiry answered for another merchant',
        {
          providerName: balance.providerName,
          providerReference: balance.referenceNo ?? null,
        },
      );
    }
    // The provider's own instant decides whether its clock moved between checks; the ledger is
    // read as of it kept inside the request's span (a clock behind ours is not a break).
    const providerInstant = balance.providerTime ?? balance.requestTime;
    const asOf = reconciliationInstant(
      balance.providerTime,
      balance.requestTime,
      balance.answeredAt,
    );
    const ledger = await ledgerSnapshot(
      this.ds,
      account.id,
      asOf,
      this.config.RECON_IN_FLIGHT_WINDOW_SECONDS * 1000,
      balance.answeredAt,
    );
    const comparison = compareBalances(
      balance.availableBalance,
      ledger,
      this.config.RECON_TOLERANCE,
      providerInstant,
      earlierChecks(job, this.config.RECON_MAX_RECHECKS),
    );
    if (!fitsResult(comparison.difference)) {
      // Only a ledger far beyond any provider's range gets here (SNAP amounts have 16 digits):
      // said plainly, once, instead of a database error on every attempt.
      const message = `the provider's balance ${formatAmount(balance.availableBalance)} and the ledger's ${formatAmount(ledger.balance)} differ by more than a result can hold (±${formatAmount(MAX_LEDGER_BALANCE)}): check the account's ledger entries`;
      return this.notCompared(account, log, base, balance, message, 'difference beyond a result');
    }
    // Written out, not `{ ...base, ... }`: V8 (Node 20) adds each property that follows a
    // spread the slow way, ~0.5 µs each: ~8 µs per account for this object. Through
    // accountResult, so a break's status and attribution fill fields every result has.
    const result = accountResult({
      runId: base.runId,
      accountId: base.accountId,
      attempts: base.attempts,
      status: comparison.status,
      final: !comparison.recheck,
      providerBalance: balance.availableBalance,
      ledgerBalance: comparison.matchedDuringRequest?.balance ?? ledger.balance,
      difference: comparison.difference,
      inFlightAmount: comparison.inFlightAmount,
      currency: balance.currency,
      responseCode: balance.responseCode,
      providerTime: balance.providerTime,
      asOf: comparison.matchedDuringRequest?.at ?? asOf,
      externalId: balance.externalId,
      errorMessage: null,
      providerName: balance.providerName,
      providerReference: balance.referenceNo ?? null,
    });
    // Only a confirmed break asks for the status and an explanation: a timing difference is
    // re-checked instead. It is explained whether or not the provider calls the account
    // inactive: a blocked account explains why the money is frozen, not why it disagrees.
    if (comparison.status === 'mismatched') {
      const answer = await this.accountStatus(client, account, log);
      if (answer) {
        result.providerStatus = answer.values;
        if (!answer.active) result.status = 'inactive';
      }
      result.attribution = await this.attribution(client, account, result, asOf, log);
    }
    await this.record(account.provider, log, result);
    // A break stays a line of its own at info; a match is counted in the run's summary line.
    const line = {
      externalId: balance.externalId,
      status: result.status,
      difference: String(comparison.difference),
    };
    if (result.status === 'matched') log.debug(line, 'account reconciled');
    else log.info(line, 'account reconciled');
    return result.final
      ? { kind: 'saved', status: result.status }
      : { kind: 'recheck', asOf: providerInstant };
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
    log: JobLog,
  ): Promise<never> {
    // Not sent: the breaker is open. No attempt is spent; the processor defers the job.
    if (e instanceof ProviderUnavailableError) throw e;
    const snap = e instanceof SnapError ? e : null;
    const deferrable =
      e instanceof RateLimitedSnapError && (job.rateLimitHits ?? 0) < MAX_RATE_LIMIT_HITS;
    // A token rejected right after a refresh is retried once by the queue: another process's
    // refresh may have replaced it, and the backoff lets that settle. Rejected so on a second
    // attempt too, the provider does not take the credential set's tokens: each further
    // attempt would cost two calls and a token request for the same answer.
    const tokensNotTaken = e instanceof TokenRejectedSnapError && (job.tokenRejections ?? 0) >= 1;
    const retryable = (snap ? snap.retryable : true) && !tokensNotTaken;
    if (deferrable || (retryable && !attempt.isLast)) {
      log.warn(
        {
          externalId: snap?.details.externalId,
          responseCode: snap?.details.responseCode,
          // undefined leaves it out of the line
          retryAfterMs:
            e instanceof RateLimitedSnapError ? (e.retryAfterMs ?? undefined) : undefined,
          err: (e as Error).message,
        },
        'inquiry failed; will retry',
      );
      throw e;
    }
    // A permanent failure about the account (HTTP 403 or 404: invalid, inactive, not honoured)
    // stays `error` unless the status call itself says "not active". One about our request
    // (400, a 401 of our credentials or signature, any permanent failure of the token request)
    // says nothing of the account, and an account that was never sent (it does not fit the
    // provider's request) is not asked about.
    const aboutAccount =
      e instanceof PermanentSnapError &&
      !(e instanceof AccountMisfitError) &&
      !(e instanceof TokenRequestError) &&
      // The HTTP status: readSnapResponse has checked that the code's class agrees with it.
      [403, 404].includes(e.details.httpStatus ?? 0);
    const answer = aboutAccount ? await this.accountStatus(client, account, log) : null;
    await this.record(
      account.provider,
      log,
      Object.assign(errorResult(base), {
        status: answer && !answer.active ? 'inactive' : 'error',
        providerStatus: answer?.values ?? null,
        final: true,
        responseCode: snap?.details.responseCode ?? null,
        externalId: snap?.details.externalId ?? null,
        errorMessage: `${(e as Error).message}${failureHint(e, tokensNotTaken)}`,
      } satisfies Partial<AccountResult>),
    );
    log.warn(
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

  /**
   * An answer that is not compared with the ledger: an `error` result saying `message`, with
   * what the provider answered (its code, the external id, and `fields`), and a warning `line`.
   */
  private async notCompared(
    account: AccountRow,
    log: JobLog,
    base: Pick<AccountResult, 'runId' | 'accountId' | 'attempts'>,
    balance: BalanceInquiryResult,
    message: string,
    line: string,
    fields: Partial<AccountResult> = {},
  ): Promise<InquiryOutcome> {
    await this.record(
      account.provider,
      log,
      Object.assign(
        errorResult(base, message),
        {
          responseCode: balance.responseCode,
          externalId: balance.externalId,
        } satisfies Partial<AccountResult>,
        fields,
      ),
    );
    log.warn({ externalId: balance.externalId, err: message }, line);
    return { kind: 'saved', status: 'error' };
  }

  /**
   * True when the provider knows each merchant by credentials of its own (Finnet): a rate
   * limit it answers is that merchant's, not the provider's for all.
   */
  hasOwnCredentials(provider: ProviderName): boolean {
    return this.clients.profile(provider).accountIdentity === 'credential-set';
  }

  /** Saves a result and counts it; the result that completes a run records the run's duration. */
  private async record(provider: ProviderName, log: JobLog, result: AccountResult): Promise<void> {
    const outcome = await saveResult(this.ds, result, this.config.RECON_TOLERANCE);
    if (outcome.runClosed) {
      // Cancelled while this job was at the provider: what it learned is said, not saved.
      log.info(
        { status: result.status, difference: result.difference?.toString() ?? null },
        'result not saved: the run was cancelled or closed while the job was in flight',
      );
    }
    if (outcome.written && result.final) {
      this.metrics.results.inc({ provider, status: result.status });
      this.summary.add(result.runId, result.status);
    }
    if (outcome.runFinished) {
      this.summary.flush(result.runId);
      await this.afterRun(outcome);
    }
  }

  /**
   * The run is finished (finalizeRun, through the result store, wrote its summary and
   * discrepancies and said how long it ran): record its duration and announce it.
   */
  private async afterRun(outcome: SaveOutcome): Promise<void> {
    const run = outcome.finishedRun!;
    this.metrics.runDuration.observe(run.durationSeconds);
    await this.alerts.runFinished(run.runId);
  }

  /**
   * Why the answer is not this account's merchant: the account expects a provider name (Finnet
   * names the merchant of the credential set in every answer) and the provider reported
   * another one, or none. `null` when there is nothing to object to.
   */
  private otherMerchant(account: AccountRow, reported: string | null): string | null {
    const expected = account.expected_provider_name;
    if (!expected) return null;
    const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
    if (reported !== null && same(reported, expected)) return null;
    return `credential set answers for another merchant: the provider reported name ${JSON.stringify(reported)}, the account expects ${JSON.stringify(expected)}`;
  }

  /**
   * The bridge of a break from the provider's history (issue 15), or `null` where the provider
   * has none (or attribution is off). A failure is logged and recorded as
   * `{outcome: 'failed', summary: 'attribution failed: why'}`: it never changes the result.
   */
  private async attribution(
    client: SnapClient,
    account: AccountRow,
    result: AccountResult,
    asOf: Date,
    log: JobLog,
  ): Promise<AttributionJson | { outcome: 'failed' | 'unavailable'; summary: string } | null> {
    if (!this.config.ATTRIBUTION_ENABLED) return null;
    if (!hasHistory(client)) {
      // Said on the report, so nobody waits for an explanation that cannot come.
      return {
        outcome: 'unavailable',
        summary: `not explained: ${client.profile.displayName} offers no transaction history`,
      };
    }
    if (account.ms_id) {
      // A history request names the account number only: it would list the merchant's and
      // every seller's movements, and explain a seller's break with money that is not its own.
      return {
        outcome: 'unavailable',
        summary: `not explained: ${client.profile.displayName}'s transaction history does not name a seller`,
      };
    }
    const provider = account.provider;
    try {
      const bridge = await attributeBreak(
        this.ds,
        client,
        {
          accountId: account.id,
          accountNo: account.account_no,
          currency: account.currency,
          providerBalance: result.providerBalance!,
          ledgerBalance: result.ledgerBalance!,
          asOf,
          providerTime: result.providerTime,
        },
        {
          lookBackMs: this.config.ATTRIBUTION_LOOK_BACK_HOURS * 3_600_000,
          toleranceMs: this.config.ATTRIBUTION_MATCH_TOLERANCE_SECONDS * 1000,
          inFlightMs: this.config.RECON_IN_FLIGHT_WINDOW_SECONDS * 1000,
          maxPages: this.config.ATTRIBUTION_MAX_PAGES || undefined,
        },
      );
      this.metrics.historyRequests.inc({ provider }, bridge.pages);
      this.metrics.attributions.inc({ provider, outcome: bridge.outcome });
      return bridge;
    } catch (e) {
      const why = (e as Error).message;
      this.metrics.attributions.inc({ provider, outcome: 'failed' });
      log.warn({ err: why }, 'attribution failed; the result stands');
      return { outcome: 'failed', summary: `attribution failed: ${why}` };
    }
  }

  /**
   * The account's status at the provider, for an account that does not match or cannot be
   * read: `null` when the provider offers no status inquiry, the check is off, or the inquiry
   * itself failed (then the balance outcome stands: a break is never hidden by a failed call).
   */
  private async accountStatus(
    client: SnapClient,
    account: AccountRow,
    log: JobLog,
  ): Promise<AccountStatusResult | null> {
    if (!this.config.CHECK_ACCOUNT_STATUS || !client.profile.accountStatusPath) return null;
    try {
      const answer = await client.accountStatus(account.account_no);
      if (!answer.active) {
        log.info(
          { accountNo: account.account_no, because: answer.inactiveBecause },
          'account is not active at the provider',
        );
      }
      return answer;
    } catch (e) {
      log.warn(
        { err: (e as Error).message },
        'account status inquiry failed; keeping the balance outcome',
      );
      return null;
    }
  }
}
