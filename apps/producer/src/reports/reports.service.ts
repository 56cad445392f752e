import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  AuditFilter,
  AuditRecord,
  listAudit,
  listDiscrepancies,
  loadRun,
  RunView,
  unmatchedItemsCsv,
} from '@app/reconciliation';
import {
  AccountHistory,
  DailyMismatches,
  DailyMismatchFigures,
  dailyMismatches,
  listRunResults,
  listRuns,
  loadAccountHistory,
  Page,
  ResultFilter,
  ResultItem,
  RunListFilter,
} from '@app/reconciliation/report-views';
import { AccountKey, accountKeyText, sellerHints } from '@app/ledger';
import { writeResultsCsv } from '@app/reconciliation/results-csv-export';
import { formatAmount, ProviderName } from '@app/snap';
import { Display } from './ui/display';

/** The daily report: calendar days in `timeZone`, oldest first. */
export interface DailyReport {
  days: number;
  timeZone: string;
  items: DailyMismatches[];
}

/**
 * The read side of the reports API and page. Days are calendar days in `SCHEDULE_TIMEZONE`
 * (the operations' time zone, default Asia/Jakarta); the in-flight window of an account
 * history is `RECON_IN_FLIGHT_WINDOW_SECONDS`, the same the comparison used.
 */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get timeZone(): string {
    return this.config.SCHEDULE_TIMEZONE;
  }

  /** How the pages show times (in SCHEDULE_TIMEZONE, labelled) and amounts (UI_AMOUNT_FORMAT). */
  get display(): Display {
    return new Display(this.config.SCHEDULE_TIMEZONE, this.config.UI_AMOUNT_FORMAT);
  }

  get inFlightWindowSeconds(): number {
    return this.config.RECON_IN_FLIGHT_WINDOW_SECONDS;
  }

  listRuns(filter: RunListFilter, page: number, pageSize: number): Promise<Page<RunView>> {
    return listRuns(this.ds, filter, page, pageSize);
  }

  /** A run by id or `latest`; 404 when there is none. */
  /** The unmatched items of the run's explained breaks, as CSV (issue 15). */
  unmatchedCsv(runId: string): Promise<string> {
    return unmatchedItemsCsv(this.ds, runId);
  }

  async run(runRef: string): Promise<RunView> {
    const run = await loadRun(this.ds, runRef);
    if (!run)
      throw new NotFoundException(runRef === 'latest' ? 'no run yet' : `run ${runRef} not found`);
    return run;
  }

  /** The latest run, or null before the first one. */
  latestRun(): Promise<RunView | null> {
    return loadRun(this.ds, 'latest');
  }

  results(
    runId: string,
    filter: ResultFilter,
    page: number,
    pageSize: number,
  ): Promise<Page<ResultItem>> {
    return listRunResults(this.ds, runId, filter, page, pageSize);
  }

  writeResultsCsv(runId: string, filter: ResultFilter, destination: Writable): Promise<void> {
    return writeResultsCsv(this.ds, runId, filter, destination);
  }

  /** 404 when the account does not exist. */
  async accountHistory(
    key: AccountKey & { provider: ProviderName },
    limit: number,
  ): Promise<AccountHistory> {
    const history = await loadAccountHistory(this.ds, key, limit, this.inFlightWindowSeconds);
    if (!history) {
      // A merchant key whose number has only sellers is told them (as POST /runs says it).
      const hint = (await sellerHints(this.ds, [key], 'msId')).get(accountKeyText(key));
      throw new NotFoundException(
        `account ${accountKeyText(key)} not found${hint ? `; ${hint}` : ''}`,
      );
    }
    return history;
  }

  /** A page of the audit trail, newest first. */
  audit(filter: AuditFilter, page: number, pageSize: number): Promise<Page<AuditRecord>> {
    return listAudit(this.ds, filter, page, pageSize);
  }

  /** How many discrepancies wait for a person, for the overview's link to their page. */
  async discrepancyCounts(): Promise<{ open: number; acknowledged: number }> {
    const count = async (status: 'open' | 'acknowledged') =>
      (await listDiscrepancies(this.ds, { status, page: 1, pageSize: 1 })).total;
    const [open, acknowledged] = await Promise.all([count('open'), count('acknowledged')]);
    return { open, acknowledged };
  }

  /** The daily figures, totals in minor units (for the chart). */
  dailyFigures(days: number): Promise<DailyMismatchFigures[]> {
    return dailyMismatches(this.ds, days, this.timeZone);
  }

  async daily(days: number): Promise<DailyReport> {
    const figures = await this.dailyFigures(days);
    return {
      days,
      timeZone: this.timeZone,
      items: figures.map((d) => ({ ...d, totalAbsDifference: formatAmount(d.totalAbsDifference) })),
    };
  }
}
