import {
  BadRequestException,
  Body,
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
import { loadRun, RESULT_CSV_COLUMNS, RunsService } from '@app/reconciliation';
import { writeResultsCsv } from '@app/reconciliation/report-queries-csv';
import { writeRunReportJson } from '@app/reconciliation/report-queries-json';
import { PROVIDERS } from '@app/snap';
import { Export } from './http/export-slots';
import { loggableError } from './http/problem.filter';
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
  })
  .strict();

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
    const filter = parseBody(startRunSchema, body ?? {});
    const run = await this.runs.start('api', filter);
    return { runId: run.runId, accountCount: run.accountCount };
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
      'JSON: the run and every result in one document, streamed (use /runs/{id}/results for pages of a large run). ' +
      'At most MAX_CONCURRENT_EXPORTS exports at once (429 beyond). ' +
      `CSV: the same as /runs/{id}/results.csv, streamed; columns ${RESULT_CSV_COLUMNS.join(', ')}.`,
  })
  @RUN_ID
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: 'The run and its results.' })
  @ApiReportErrors({ notFound: 'No such run.' })
  @Export()
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
          this.logger.error(
            { runId: run.id, err: loggableError(err) },
            'report CSV failed part-way',
          );
        res.destroy();
      });
      return;
    }
    const run = await loadRun(this.ds, checkRunId(id));
    if (!run) throw new NotFoundException(`run ${id} not found`);
    res.type('json');
    // Streamed in batches, like the CSV: memory stays one batch whatever the run's size.
    await writeRunReportJson(this.ds, run, res).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE')
        this.logger.error(
          { runId: run.id, err: loggableError(err) },
          'report JSON failed part-way',
        );
      res.destroy();
    });
  }
}
