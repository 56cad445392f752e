import {
  Body,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { APP_CONFIG, AppConfig, roleAllows } from '@app/config';
import { Actor, listAudit, listDiscrepancies } from '@app/reconciliation';
import { RequestActor } from '../audit/actor';
import { CSRF_FIELD, PageCsrf } from '../http/csrf';
import { noQuery, pageNumberParam } from '../reports/report-params';
import { Display } from '../reports/ui/display';
import { pageCsp } from '../reports/ui/layout';
import { parseBody, parseQuery } from '../validation';
import { DISCREPANCY_ID } from '../http/route-params';
import { acknowledgeSchema, noteSchema } from './discrepancies.controller';
import { discrepanciesPage, DiscrepancyPageStatus, listHref } from './discrepancies-view';
import { DiscrepancyChanges } from './discrepancy-changes';

const AUDIT_ROWS = 50;
/** Discrepancies per page of the list (older ones on the next pages). */
export const DISCREPANCIES_PER_PAGE = 200;
/** The report pages' policy; this page's forms post back to it. */
const CSP = pageCsp({ forms: true });

/** Which discrepancies the list shows, as `GET /discrepancies?status=` (another is a 400). */
const listStatus = z
  .enum([
    'active',
    'open',
    'acknowledged',
    'resolved',
    'all',
  ] as const satisfies readonly DiscrepancyPageStatus[])
  .default('active');
/** Which page of them (200 a page, most recently seen first). */
const listPage = pageNumberParam.default('1');

/** The page's query: which discrepancies it lists, and which page of them. */
export const discrepanciesPageQuery = z
  .object({ status: listStatus, page: listPage })
  // Another parameter is refused, naming it, as on the other pages (a misspelt filter showed
  // every discrepancy as if it applied).
  .strict();

/** A form's hidden fields: the list it was posted from, to go back to after the change. */
export const returnPlace = z.object({ returnStatus: listStatus, returnPage: listPage });

/** The discrepancy list a person works through: acknowledge or resolve with a note. */
@Controller('ui/discrepancies')
export class DiscrepanciesPage {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: DiscrepancyChanges,
    private readonly csrf: PageCsrf,
  ) {}

  @Get()
  async page(@Query() query: unknown, @Req() req: Request, @Res() res: Response) {
    const { status: wanted, page } = parseQuery(discrepanciesPageQuery, query);
    const csrf = this.csrf.token(req, res);
    const [{ items, total }, audit] = await Promise.all([
      listDiscrepancies(this.ds, { status: wanted, page, pageSize: DISCREPANCIES_PER_PAGE }),
      listAudit(this.ds, { subjectType: 'discrepancy' }, 1, AUDIT_ROWS),
    ]);
    res
      .type('html')
      .setHeader('Cache-Control', 'no-store')
      .setHeader('Content-Security-Policy', CSP)
      .send(
        discrepanciesPage({
          status: wanted,
          items,
          total,
          page,
          pageSize: DISCREPANCIES_PER_PAGE,
          audit,
          display: new Display(this.config.SCHEDULE_TIMEZONE, this.config.UI_AMOUNT_FORMAT),
          csrf,
          readOnlyRole:
            req.actor && !roleAllows(req.actor.role, 'operator') ? req.actor.role : undefined,
        }),
      );
  }

  @Post(':id/:action')
  async change(
    @Param('id', DISCREPANCY_ID) id: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @Query() query: unknown,
    @RequestActor() actor: Actor,
    @Res() res: Response,
  ) {
    if (action !== 'acknowledge' && action !== 'resolve')
      throw new NotFoundException(`no action ${JSON.stringify(action.slice(0, 40))}`);
    parseQuery(noQuery, query);
    // Errors are thrown: the problem filter renders them as a page with the same content.
    const {
      [CSRF_FIELD]: _token,
      returnStatus,
      returnPage,
      ...fields
    } = (body ?? {}) as Record<string, unknown>;
    // The list the form was on, to go back to (checked as the page's own query is).
    const { returnStatus: backStatus, returnPage: backPage } = parseBody(returnPlace, {
      returnStatus,
      returnPage,
    });
    // An acknowledge form also posts the difference the page showed (seenDifference): that is
    // the one acknowledged, even when a run has moved it since the page was loaded.
    const { note, seenDifference } =
      action === 'acknowledge'
        ? parseBody(acknowledgeSchema, fields)
        : { ...parseBody(noteSchema, fields), seenDifference: undefined };
    await this.changes.change(id, action, note, actor, seenDifference ?? null);
    return res.redirect(303, listHref({ status: backStatus, page: backPage }));
  }
}
