import { applyDecorators, Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_LOGGER, Logger } from '@app/config';
import { RESULT_CSV_COLUMNS, RESULT_STATUSES, UNMATCHED_CSV_COLUMNS } from '@app/reconciliation';
import { PROVIDERS } from '@app/snap';
import { parseParams, parseQuery, rejectParam } from '../validation';
import { ApiQueryParam, ApiReportErrors } from './openapi';
import { ref } from './openapi-schemas';
import {
  MAX_PAGE_SIZE,
  resultFilter,
  resultsCsvQuery,
  resultsQuery,
  runIdParams,
  runListFilter,
  runListQuery,
} from './report-params';
import { ReportsService } from './reports.service';

const RUN_ID_PARAM = ApiParam({
  name: 'id',
  description: 'A run id, or `latest`.',
  schema: { type: 'string', pattern: '^(\\d{1,18}|latest)$', example: 'latest' },
});
const PAGE_PARAMS = (defaultSize: number) => [
  ApiQueryParam('page', 'Page number, from 1.', { type: 'integer', minimum: 1, default: 1 }),
  ApiQueryParam('pageSize', `Items per page, at most ${MAX_PAGE_SIZE}.`, {
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: defaultSize,
  }),
];
const RESULT_FILTER_PARAMS = [
  ApiQueryParam('status', `One or more of ${RESULT_STATUSES.join(', ')}, separated by commas.`, {
    type: 'string',
    example: 'mismatched,error',
  }),
  ApiQueryParam('provider', 'Only this provider’s accounts.', {
    type: 'string',
    enum: [...PROVIDERS],
  }),
  ApiQueryParam('merchant', 'Only this merchant’s accounts (merchant id).', {
    type: 'string',
    example: 'M00002',
  }),
];

/** Runs and their results, for people and dashboards. */
@ApiTags('reports')
@Controller('runs')
export class RunReportsController {
  constructor(
    private readonly reports: ReportsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List runs, newest first',
    description:
      'Filter by status and by start: `from` and `to` are ISO 8601 instants with an offset, or calendar days ' +
      '`YYYY-MM-DD` in SCHEDULE_TIMEZONE (`from` inclusive from the start of that day, `to` inclusive to its end).',
  })
  @ApiQueryParam('status', 'Run status.', {
    type: 'string',
    enum: ['running', 'finished', 'failed'],
  })
  @ApiQueryParam('from', 'Started at or after (day or instant).', {
    type: 'string',
    example: '2025-11-01',
  })
  @ApiQueryParam('to', 'Started before the end of this day, or before this instant.', {
    type: 'string',
    example: '2025-11-30',
  })
  @applyDecorators(...PAGE_PARAMS(20))
  @ApiOkResponse({ description: 'One page of runs.', schema: ref('RunPage') })
  @ApiReportErrors()
  list(@Query() query: unknown) {
    const q = parseQuery(runListQuery, query);
    const filter = runListFilter(q, this.reports.timeZone);
    if (filter.startedFrom && filter.startedBefore && filter.startedFrom >= filter.startedBefore) {
      rejectParam('query parameters', 'to', q.to, `must be later than from (${q.from})`);
    }
    return this.reports.listRuns(filter, q.page, q.pageSize);
  }

  @Get(':id/results')
  @ApiOperation({
    summary: 'A run’s results, one page',
    description:
      'Sorted by |difference| descending (results without a difference last), then merchant, provider and account number.',
  })
  @RUN_ID_PARAM
  @applyDecorators(...RESULT_FILTER_PARAMS, ...PAGE_PARAMS(50))
  @ApiOkResponse({ description: 'One page of results.', schema: ref('ResultPage') })
  @ApiReportErrors({ notFound: 'No such run.' })
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
  @ApiOperation({
    summary: 'A run’s results as CSV, streamed',
    description:
      `Columns: ${RESULT_CSV_COLUMNS.join(', ')}. Streamed in batches (constant memory whatever the run’s size), ` +
      'sorted by |difference| descending, then account (import order, the same from run to run). ' +
      'A failure part-way aborts the response, so a truncated file never looks complete.',
  })
  @ApiProduces('text/csv')
  @RUN_ID_PARAM
  @applyDecorators(...RESULT_FILTER_PARAMS)
  @ApiOkResponse({ description: 'CSV with a header row.', schema: { type: 'string' } })
  @ApiReportErrors({ notFound: 'No such run.' })
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
  @ApiOperation({
    summary: 'The unmatched items of a run’s explained breaks, as CSV',
    description:
      `Columns: ${UNMATCHED_CSV_COLUMNS.join(', ')}. One row per provider-only event, ledger-only entry and ` +
      'amount difference of every mismatched result explained from the provider’s transaction history; ' +
      '`time` in UTC, `timeJakarta` the same instant as Asia/Jakarta wall-clock time.',
  })
  @ApiProduces('text/csv')
  @RUN_ID_PARAM
  @ApiOkResponse({ description: 'CSV with a header row.', schema: { type: 'string' } })
  @ApiReportErrors({ notFound: 'No such run.' })
  async unmatchedCsv(@Param() params: unknown, @Res() res: Response): Promise<void> {
    const { id } = parseParams(runIdParams, params);
    const run = await this.reports.run(id);
    const csv = await this.reports.unmatchedCsv(run.id);
    res.status(200).type('text/csv; charset=utf-8').attachment(`run-${run.id}-unmatched.csv`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(csv);
  }
}
