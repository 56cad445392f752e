import { Export } from '../http/export-slots';
import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { APP_LOGGER, Logger } from '@app/infra';
import { parseParams, parseQuery, rejectParam } from '../validation';
import {
  resultFilter,
  resultsCsvQuery,
  resultsQuery,
  runIdParams,
  runListFilter,
  runListQuery,
} from './report-params';
import { ReportsService } from './reports.service';

/** Runs and their results, for people and dashboards. */
@Controller('runs')
export class RunReportsController {
  constructor(
    private readonly reports: ReportsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  list(@Query() query: unknown) {
    const q = parseQuery(runListQuery, query);
    const filter = runListFilter(q, this.reports.timeZone);
    if (filter.startedFrom && filter.startedBefore && filter.startedFrom >= filter.startedBefore) {
      rejectParam('query parameters', 'to', q.to, `must be later than from (${q.from})`);
    }
    return this.reports.listRuns(filter, q.page, q.pageSize);
  }

  @Get(':id/results')
  async results(@Param() params: unknown, @Query() query: unknown) {
    const { id } = parseParams(runIdParams, params);
    const q = parseQuery(resultsQuery, query);
    const run = await this.reports.run(id);
    return {
      runId: run.id,
      ...(await this.reports.results(run.id, resultFilter(q), q.page, q.pageSize)),
    };
  }

  @Get(':id/results.csv')
  @Export()
  async resultsCsv(
    @Param() params: unknown,
    @Query() query: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const { id } = parseParams(runIdParams, params);
    const filter = resultFilter(parseQuery(resultsCsvQuery, query));
    const run = await this.reports.run(id);
    res.status(200).type('text/csv; charset=utf-8').attachment(`run-${run.id}-results.csv`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await this.reports.writeResultsCsv(run.id, filter, res);
    } catch (e) {
      // The headers are gone: the stream is already destroyed, which aborts the response.
      const clientLeft = (e as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
      if (clientLeft)
        this.logger.debug({ runId: run.id }, 'results CSV: client closed the connection');
      else this.logger.error({ runId: run.id, err: e }, 'results CSV failed part-way');
      if (!res.destroyed) res.destroy();
    }
  }

  @Get(':id/unmatched.csv')
  async unmatchedCsv(@Param() params: unknown, @Res() res: Response): Promise<void> {
    const { id } = parseParams(runIdParams, params);
    const run = await this.reports.run(id);
    const csv = await this.reports.unmatchedCsv(run.id);
    res.status(200).type('text/csv; charset=utf-8').attachment(`run-${run.id}-unmatched.csv`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(csv);
  }
}
