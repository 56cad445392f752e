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
import type { Response } from 'express';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { APP_LOGGER, Logger } from '@app/infra';
import { Actor, loadRun, resolveAccounts, RunsService } from '@app/reconciliation';
import { writeResultsCsv } from '@app/reconciliation/report-queries-csv';
import { writeRunReportJson } from '@app/reconciliation/report-queries-json';
import { PROVIDERS } from '@app/snap';
import { RequestActor } from './audit/actor';
import { Export } from './http/export-slots';
import { loggableError } from './http/problem.filter';
import { parseBody } from './validation';

/** The body of `POST /runs` (validates it and documents it). */
export const startRunSchema = z
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

/** Start runs and read their results. */
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
  async start(@Body() body: unknown, @RequestActor() actor: Actor) {
    const { accounts, ...filter } = parseBody(startRunSchema, body ?? {});
    if (accounts) {
      const { ids, problems } = await resolveAccounts(this.ds, accounts);
      if (problems.length > 0) throw new BadRequestException(problems.join('; '));
      const run = await this.runs.start('api', { accountIds: ids }, null, actor);
      return { runId: run.runId, accountCount: run.accountCount };
    }
    const run = await this.runs.start('api', filter, null, actor);
    return { runId: run.runId, accountCount: run.accountCount };
  }

  /** Cancels a running run: its pending jobs are removed, its results so far kept. */
  @Post(':id/cancel')
  @HttpCode(200)
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
  async get(@Param('id') id: string) {
    const run = await loadRun(this.ds, checkRunId(id));
    if (!run) throw new NotFoundException(`run ${id} not found`);
    return run;
  }

  /** A run's report as JSON (default) or CSV (`?format=csv`, streamed). */
  @Get(':id/report')
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
