import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { APP_LOGGER, Logger } from '@app/config';
import {
  loadRun,
  loadRunReport,
  resolveAccounts,
  RESULT_CSV_COLUMNS,
  RunsService,
} from '@app/reconciliation';
import { writeResultsCsv } from '@app/reconciliation/report-queries-csv';
import { PROVIDERS } from '@app/snap';
import { ApiReportErrors } from './reports/openapi';
import { ref } from './reports/openapi-schemas';
import { parseBody } from './validation';

const startRunSchema = z
  .object({
    provider: z.enum(PROVIDERS).optional(),
    merchantId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 . _ -')
      .optional(),
    /** Re-check exactly these accounts. */
    accounts: z
      .array(
        z.object({ provider: z.enum(PROVIDERS), accountNo: z.string().min(1).max(64) }).strict(),
      )
      .min(1)
      .max(10_000)
      .optional(),
  })
  .strict()
  .refine((b) => !(b.accounts && (b.provider || b.merchantId)), {
    message: 'give accounts, or provider / merchantId, not both',
    path: ['accounts'],
  });

const runIdPattern = /^(\d{1,18}|latest)$/;

function checkRunId(id: string): string {
  if (!runIdPattern.test(id))
    throw new BadRequestException(
      `runId: ${JSON.stringify(id.slice(0, 40))} is not a run id or "latest"`,
    );
  return id;
}

const RUN_ID = ApiParam({
  name: 'id',
  description: 'A run id, or `latest`.',
  schema: { type: 'string', pattern: '^(\\d{1,18}|latest)$', example: 'latest' },
});

/** Start runs and read their results. */
@ApiTags('runs')
@Controller('runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /** Starts a run now, optionally for one provider or merchant. */
  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a run now, optionally for one provider or merchant' })
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        provider: { type: 'string', enum: [...PROVIDERS] },
        merchantId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
        accounts: {
          type: 'array',
          description: 'Re-check exactly these accounts (not with provider or merchantId).',
          maxItems: 10_000,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['provider', 'accountNo'],
            properties: {
              provider: { type: 'string', enum: [...PROVIDERS] },
              accountNo: { type: 'string' },
            },
          },
        },
      },
    },
  })
  @ApiAcceptedResponse({
    description: 'Created and enqueued.',
    schema: {
      type: 'object',
      properties: { runId: { type: 'string' }, accountCount: { type: 'integer' } },
    },
  })
  @ApiReportErrors()
  async start(@Body() body: unknown) {
    const { accounts, ...filter } = parseBody(startRunSchema, body ?? {});
    if (accounts) {
      const { ids, problems } = await resolveAccounts(this.ds, accounts);
      if (problems.length > 0) throw new BadRequestException(problems.join('; '));
      const run = await this.runs.start('api', { accountIds: ids });
      return { runId: run.runId, accountCount: run.accountCount };
    }
    const run = await this.runs.start('api', filter);
    return { runId: run.runId, accountCount: run.accountCount };
  }

  /** Cancels a running run: its pending jobs are removed, its results so far kept. */
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a running run (pending jobs removed, results kept)' })
  @ApiParam({ name: 'id', schema: { type: 'string', pattern: '^\\d{1,18}$' } })
  @ApiOkResponse({ description: '`{runId, status: "cancelled", removedJobs, resultsKept}`' })
  @ApiReportErrors({ notFound: 'No such run.' })
  async cancel(@Param('id') id: string) {
    if (!/^\d{1,18}$/.test(id))
      throw new BadRequestException(`runId: ${JSON.stringify(id.slice(0, 40))} is not a run id`);
    const outcome = await this.runs.cancel(id, 'api');
    if (outcome.cancelled) {
      const { runId, removedJobs, resultsKept } = outcome;
      return { runId, status: 'cancelled', removedJobs, resultsKept };
    }
    if (outcome.status === null) throw new NotFoundException(`run ${id} not found`);
    throw new ConflictException(`run ${id} is ${outcome.status}, not running`);
  }

  /** A run's status and counts. */
  @Get(':id')
  @ApiOperation({
    summary: 'A run’s summary',
    description:
      'Status, counts per status and per provider, total and largest |difference| of mismatches.',
  })
  @RUN_ID
  @ApiOkResponse({ description: 'The run.', schema: ref('RunView') })
  @ApiReportErrors({ notFound: 'No such run.' })
  async get(@Param('id') id: string) {
    const run = await loadRun(this.ds, checkRunId(id));
    if (!run) throw new NotFoundException(`run ${id} not found`);
    return run;
  }

  /** A run's report as JSON (default) or CSV (`?format=csv`, streamed). */
  @Get(':id/report')
  @ApiOperation({
    summary: 'A run’s whole report',
    description:
      'JSON: the run and every result in one document (use /runs/{id}/results for pages of a large run). ' +
      `CSV: the same as /runs/{id}/results.csv, streamed; columns ${RESULT_CSV_COLUMNS.join(', ')}.`,
  })
  @RUN_ID
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: 'The run and its results.' })
  @ApiReportErrors({ notFound: 'No such run.' })
  async report(
    @Param('id') id: string,
    @Query('format') format: string | undefined,
    @Res() res: Response,
  ) {
    if (format !== undefined && format !== 'json' && format !== 'csv') {
      throw new BadRequestException(`format: ${JSON.stringify(format)} must be json or csv`);
    }
    if (format === 'csv') {
      const run = await loadRun(this.ds, checkRunId(id));
      if (!run) throw new NotFoundException(`run ${id} not found`);
      res.type('text/csv').attachment(`run-${run.id}.csv`);
      // Streamed in batches; a failure part-way aborts the response (the stream is destroyed).
      await writeResultsCsv(this.ds, run.id, {}, res).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE')
          this.logger.error({ runId: run.id, err }, 'report CSV failed part-way');
        res.destroy();
      });
      return;
    }
    const report = await loadRunReport(this.ds, checkRunId(id));
    if (!report) throw new NotFoundException(`run ${id} not found`);
    res.json(report);
  }
}
