import {
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
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Response } from 'express';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { APP_LOGGER, Logger } from '@app/infra';
import {
  Actor,
  EmptyRunScopeError,
  loadRun,
  QueuesUnreachableError,
  resolveAccounts,
  RunsService,
} from '@app/reconciliation';
import { writeResultsCsv } from '@app/reconciliation/results-csv-export';
import { writeRunReportJson } from '@app/reconciliation/run-report-json-export';
import { PROVIDERS } from '@app/snap';
import { RequestActor } from '../audit/actor';
import { MAX_RUN_ACCOUNTS } from '../http/body-limits';
import { Export } from '../http/export-slots';
import { loggableError } from '../http/problem.filter';
import { accountIdText, RUN_ID, RUN_REF } from '../http/route-params';
import {
  noQuery,
  reportQuery,
  resultFilter,
  resultsCsvQuery,
  resultsQuery,
  runListFilter,
  runListQuery,
} from '../reports/report-params';
import { ReportsService } from '../reports/reports.service';
import { parseBody, parseQuery, rejectFields, rejectParam } from '../validation';

/** The body of `POST /runs/:id/cancel`: none, or an empty object. */
export const noBody = z.object({}).strict();

/** The body of `POST /runs` (validates it and documents it). */
export const startRunSchema = z
  .object({
    provider: z.enum(PROVIDERS).optional(),
    merchantId: accountIdText.optional(),
    /** Re-check exactly these accounts. */
    accounts: z
      .array(
        z
          .object({
            provider: z.enum(PROVIDERS),
            accountNo: accountIdText,
            /**
             * A NICEPay seller under the merchant `accountNo`; absent or null (as the results
             * give it): the merchant's own.
             */
            msId: accountIdText.nullish(),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_RUN_ACCOUNTS)
      .optional(),
  })
  .strict()
  .refine((b) => !(b.accounts && (b.provider || b.merchantId)), {
    message: 'give accounts, or provider / merchantId, not both',
    path: ['accounts'],
  });

/** 503 when the queues' Redis does not answer: nothing was started or cancelled, retry later. */
async function unavailableWithoutQueues<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof QueuesUnreachableError) throw new ServiceUnavailableException(e.message);
    throw e;
  }
}

/**
 * The `/runs` resource: start and cancel runs, list them, and read one run's summary, report,
 * results (a page or a CSV) and unmatched items.
 */
@Controller('runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly reports: ReportsService,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /** Starts a run now, optionally for one provider or merchant. */
  @Post()
  @HttpCode(202)
  start(@Body() body: unknown, @Query() query: unknown, @RequestActor() actor: Actor) {
    // The scope is the body's: `?provider=` would otherwise start a run over every account.
    parseQuery(noQuery, query);
    return unavailableWithoutQueues(this.startRun(body, actor));
  }

  private async startRun(body: unknown, actor: Actor) {
    const { accounts, ...filter } = parseBody(startRunSchema, body ?? {});
    if (accounts) {
      const { ids, problems } = await resolveAccounts(this.ds, accounts);
      if (problems.length > 0)
        rejectFields(
          'request body',
          problems.map((p) => ({
            field: `accounts[${p.index}]`,
            value: accounts[p.index],
            reason: p.reason,
          })),
        );
      const run = await this.runs.start('api', { accountIds: ids }, null, actor);
      return { runId: run.runId, accountCount: run.accountCount };
    }
    try {
      const run = await this.runs.start('api', filter, null, actor, true);
      return { runId: run.runId, accountCount: run.accountCount };
    } catch (e) {
      if (!(e instanceof EmptyRunScopeError)) throw e;
      // Each scope field given is named: together they matched nothing.
      const given = (['provider', 'merchantId'] as const).filter((f) => filter[f] !== undefined);
      return rejectFields(
        'request body',
        given.map((field) => ({ field, value: filter[field], reason: e.message })),
      );
    }
  }

  /** Runs, newest first, filtered by status and start. */
  @Get()
  list(@Query() query: unknown) {
    const q = parseQuery(runListQuery, query);
    const filter = runListFilter(q, this.reports.timeZone);
    if (filter.startedFrom && filter.startedBefore && filter.startedFrom >= filter.startedBefore) {
      rejectParam('query parameters', 'to', q.to, `must be later than from (${q.from})`);
    }
    return this.reports.listRuns(filter, q.page, q.pageSize);
  }

  /**
   * Cancels a running run: its queued jobs are removed, its results so far kept; the cancel is
   * recorded in the audit trail under the caller.
   */
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(
    @Param('id', RUN_ID) id: string,
    @Body() body: unknown,
    @Query() query: unknown,
    @RequestActor() actor: Actor,
  ) {
    // Nothing to send: a note or reason sent along would be lost without a word.
    parseQuery(noQuery, query);
    parseBody(noBody, body ?? {});
    const outcome = await unavailableWithoutQueues(this.runs.cancel(id, 'api', actor));
    if (outcome.cancelled) {
      const { runId, removedJobs, resultsKept } = outcome;
      return { runId, status: 'cancelled', removedJobs, resultsKept };
    }
    if (outcome.status === null) throw new NotFoundException(`run ${id} not found`);
    throw new ConflictException(`run ${id} is ${outcome.status}, not running`);
  }

  /** A run's status and counts. */
  @Get(':id')
  async get(@Param('id', RUN_REF) id: string, @Query() query: unknown) {
    parseQuery(noQuery, query);
    const run = await loadRun(this.ds, id);
    if (!run) throw new NotFoundException(`run ${id} not found`);
    return run;
  }

  /** A run's report as JSON (default) or CSV (`?format=csv`, streamed). */
  @Get(':id/report')
  @Export()
  async report(@Param('id', RUN_REF) id: string, @Query() query: unknown, @Res() res: Response) {
    const { format } = parseQuery(reportQuery, query);
    if (format !== undefined && format !== 'json' && format !== 'csv') {
      rejectParam('query parameters', 'format', format, 'must be json or csv');
    }
    if (format === 'csv') {
      const run = await loadRun(this.ds, id);
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
    const run = await loadRun(this.ds, id);
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

  /** One page of a run's results, largest difference first. */
  @Get(':id/results')
  async results(@Param('id', RUN_REF) id: string, @Query() query: unknown) {
    const q = parseQuery(resultsQuery, query);
    const run = await this.reports.run(id);
    return {
      runId: run.id,
      ...(await this.reports.results(run.id, resultFilter(q), q.page, q.pageSize)),
    };
  }

  /** A run's results as CSV, streamed in batches. */
  @Get(':id/results.csv')
  @Export()
  async resultsCsv(
    @Param('id', RUN_REF) id: string,
    @Query() query: unknown,
    @Res() res: Response,
  ): Promise<void> {
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

  /** The unmatched items of a run's explained breaks, as CSV. */
  @Get(':id/unmatched.csv')
  @Export()
  async unmatchedCsv(
    @Param('id', RUN_REF) id: string,
    @Query() query: unknown,
    @Res() res: Response,
  ): Promise<void> {
    parseQuery(noQuery, query);
    const run = await this.reports.run(id);
    const csv = await this.reports.unmatchedCsv(run.id);
    res.status(200).type('text/csv; charset=utf-8').attachment(`run-${run.id}-unmatched.csv`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(csv);
  }
}
