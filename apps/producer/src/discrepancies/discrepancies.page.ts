import { Body, Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  Actor,
  DiscrepancyTransitionError,
  listAudit,
  listDiscrepancies,
} from '@app/reconciliation';
import { RequestActor } from '../audit/actor';
import { Display } from '../reports/ui/display';
import { discrepancyId, noteSchema } from './discrepancies.controller';
import { discrepanciesPage, DiscrepancyPageStatus } from './discrepancies-view';
import { DiscrepancyChanges } from './discrepancy-changes';

/** Inline styles only, no script; the forms post to this page's own routes. */
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const AUDIT_ROWS = 50;

/** The discrepancy list a person works through: acknowledge or resolve with a note. */
@Controller('ui/discrepancies')
export class DiscrepanciesPage {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: DiscrepancyChanges,
  ) {}

  @Get()
  async page(@Query('status') status: string | undefined, @Res() res: Response) {
    const wanted: DiscrepancyPageStatus =
      status === 'resolved' || status === 'acknowledged' || status === 'open' ? status : 'active';
    const [{ items, total }, audit] = await Promise.all([
      listDiscrepancies(this.ds, { status: wanted, page: 1, pageSize: 200 }),
      listAudit(this.ds, { subjectType: 'discrepancy' }, 1, AUDIT_ROWS),
    ]);
    res
      .type('html')
      .setHeader('Content-Security-Policy', CSP)
      .setHeader('Cache-Control', 'no-store')
      .send(
        discrepanciesPage({
          status: wanted,
          items,
          total,
          audit,
          display: new Display(this.config.SCHEDULE_TIMEZONE, this.config.UI_AMOUNT_FORMAT),
        }),
      );
  }

  @Post(':id/:action')
  async change(
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @RequestActor() actor: Actor,
    @Res() res: Response,
  ) {
    if (action !== 'acknowledge' && action !== 'resolve') return res.status(404).send('not found');
    const parsed = noteSchema.safeParse(body);
    if (!parsed.success)
      return res.status(400).type('text').send(`note: ${parsed.error.issues[0].message}`);
    try {
      const changed = await this.changes.change(discrepancyId(id), action, parsed.data.note, actor);
      if (!changed) return res.status(404).type('text').send(`discrepancy ${id} not found`);
    } catch (e) {
      if (e instanceof DiscrepancyTransitionError)
        return res.status(409).type('text').send(e.message);
      throw e;
    }
    return res.redirect(303, '/ui/discrepancies');
  }
}
