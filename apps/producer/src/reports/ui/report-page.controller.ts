import {
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Param,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { APP_CONFIG, AppConfig } from '@app/config';
import { assertRedisReady, providerKeyPrefix, REDIS, within } from '@app/infra';
import { BreakerStatus, PROVIDERS, readBreakerStatus } from '@app/snap';
import { parseQuery } from '../../validation';
import { ACCOUNT_PARAMS, DB_ID_PATTERN, RUN_ID_RULE } from '../../http/route-params';
import { historyQuery, pageNumberParam } from '../report-params';
import { ReportsService } from '../reports.service';
import { accountPage } from './account-page';
import { pageCsp } from './layout';
import { notFoundPage } from './not-found-page';
import { ATTENTION_STATUSES, overviewPage } from './overview-page';
import type { ProvidersUnknown } from './providers-hook';

/** The report pages have no forms. */
const CSP = pageCsp({ forms: false });
const RUNS_PER_PAGE = 20;
const ATTENTION_ROWS = 100;
const CHART_DAYS = 30;
const AUDIT_ROWS = 50;
/** How long the page waits for the breakers in Redis before it shows them as unknown. */
const BREAKER_READ_MS = 2_000;

/** The query of the overview page `/`. */
export const overviewQuery = z
  .object({
    run: z.string().regex(DB_ID_PATTERN, RUN_ID_RULE).optional(),
    runsPage: pageNumberParam.optional(),
  })
  .strict();

/** The server-rendered report pages (HTML, no script), behind the same credentials as the API. */
@Controller()
export class ReportPageController {
  constructor(
    private readonly reports: ReportsService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The latest run (or `?run=`), its accounts needing attention, the daily chart, the runs. */
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('Cache-Control', 'no-store')
  async overview(@Query() query: unknown): Promise<string> {
    const q = parseQuery(overviewQuery, query);
    const [run, runs, daily, discrepancies, providers] = await Promise.all([
      q.run ? this.reports.run(q.run) : this.reports.latestRun(),
      this.reports.listRuns({}, q.runsPage ?? 1, RUNS_PER_PAGE),
      this.reports.dailyFigures(CHART_DAYS),
      this.reports.discrepancyCounts(),
      this.breakers(),
    ]);
    const attention = run
      ? await this.reports.results(run.id, { statuses: ATTENTION_STATUSES }, 1, ATTENTION_ROWS)
      : null;
    return overviewPage({
      display: this.reports.display,
      run,
      runIsLatest: !q.run,
      attention,
      runs,
      daily,
      discrepancies,
      providers,
    });
  }

  /**
   * The providers' breakers, or why they could not be read: ioredis holds commands while Redis
   * is away, and the page people open during an incident must not wait for it.
   */
  private breakers(): Promise<BreakerStatus[] | ProvidersUnknown> {
    const read = async () => {
      assertRedisReady(this.redis);
      return Promise.all(
        PROVIDERS.map((p) =>
          readBreakerStatus(this.redis, (q) => providerKeyPrefix(this.config, q), p),
        ),
      );
    };
    return within(BREAKER_READ_MS, read(), 'Redis').catch((e: unknown) => ({
      unknown: (e as Error).message,
    }));
  }

  /** One account's results across runs, each with the ledger entries of its in-flight window. */
  @Get('ui/accounts/:provider/:accountNo')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('Cache-Control', 'no-store')
  async account(
    @Param(ACCOUNT_PARAMS) { provider, accountNo }: { provider: string; accountNo: string },
    @Query() query: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { msId, limit } = parseQuery(historyQuery, query);
    const key = { provider, accountNo, msId: msId ?? null };
    try {
      const history = await this.reports.accountHistory(key, limit);
      const audit = await this.reports.audit({ account: key }, 1, AUDIT_ROWS);
      return accountPage(history, this.reports.display, audit);
    } catch (e) {
      if (!(e instanceof NotFoundException)) throw e;
      res.status(404);
      const seller = msId ? ` seller ${msId}` : '';
      return notFoundPage(
        `There is no ${provider} account ${accountNo}${seller}.`,
        this.reports.display,
      );
    }
  }
}
