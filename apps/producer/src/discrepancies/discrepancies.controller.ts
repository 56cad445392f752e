import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { Actor, listDiscrepancies, loadDiscrepancy } from '@app/reconciliation';
import { checkAmount } from '@app/ledger';
import { RequestActor } from '../audit/actor';
import { DISCREPANCY_ID } from '../http/route-params';
import { noQuery, pageParam, pageSizeParam } from '../reports/report-params';
import { parseBody, parseQuery } from '../validation';
import { DiscrepancyChanges } from './discrepancy-changes';

export const noteSchema = z
  .object({
    note: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(2000, 'at most 2000 characters')
      // eslint-disable-next-line no-control-regex
      .refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v), {
        message: 'must not contain control characters (line breaks and tabs are fine)',
      }),
  })
  .strict();

/**
 * The difference the person acknowledging saw (the discrepancy's `lastDifference` as the API or
 * the page showed it): a `-?digits.dd` string like every amount of the API (never a JSON
 * number), parsed to minor units by the ledger's amount rule; a bad one is a 400 naming it.
 */
const seenDifference = z
  .string({ invalid_type_error: 'must be a string' })
  .transform((value, ctx): bigint => {
    const checked = checkAmount(value);
    if (checked.ok) return checked.value;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: checked.reason });
    return z.NEVER;
  })
  .describe(
    'The difference you saw when you decided, as lastDifference showed it (e.g. -10000.00). ' +
      'It is recorded as acknowledgedDifference even when a run has moved the difference since, ' +
      'so the next run that still finds the new one reopens the discrepancy (discrepancy.reopened). ' +
      'Without it, the lastDifference at the time of the request is recorded. A difference the ' +
      'discrepancy never showed (not its first or last, nor a break a run found on it since it ' +
      'opened) is refused with a 400.',
  );

/** The body of an acknowledge: the note, and the difference the person saw (optional). */
export const acknowledgeSchema = noteSchema.extend({ seenDifference: seenDifference.optional() });

/** The query of `GET /discrepancies`. */
export const listSchema = z
  .object({
    status: z.enum(['active', 'open', 'acknowledged', 'resolved', 'all']).default('active'),
    page: pageParam,
    pageSize: pageSizeParam(50),
  })
  .strict();

/** Confirmed breaks: one per account until a person resolves it or a run finds it matched. */
@Controller('discrepancies')
export class DiscrepanciesController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly changes: DiscrepancyChanges,
  ) {}

  @Get()
  list(@Query() query: unknown) {
    return listDiscrepancies(this.ds, parseQuery(listSchema, query));
  }

  @Get(':id')
  async get(@Param('id', DISCREPANCY_ID) id: string, @Query() query: unknown) {
    parseQuery(noQuery, query);
    const found = await loadDiscrepancy(this.ds, id);
    if (!found) throw new NotFoundException(`discrepancy ${id} not found`);
    return found;
  }

  /**
   * `open` → `acknowledged`, with a note: someone is on it; later runs still count occurrences,
   * and one finding the difference moved beyond RECON_TOLERANCE from the one acknowledged (the
   * `seenDifference` sent, else the last one) reopens it.
   */
  @Post(':id/acknowledge')
  @HttpCode(200)
  acknowledge(
    @Param('id', DISCREPANCY_ID) id: string,
    @Body() body: unknown,
    @Query() query: unknown,
    @RequestActor() actor: Actor,
  ) {
    parseQuery(noQuery, query);
    const { note, seenDifference } = parseBody(acknowledgeSchema, body ?? {});
    return this.changes.change(id, 'acknowledge', note, actor, seenDifference ?? null);
  }

  /** `open` or `acknowledged` → `resolved`, with a note; a later break opens a new one. */
  @Post(':id/resolve')
  @HttpCode(200)
  resolve(
    @Param('id', DISCREPANCY_ID) id: string,
    @Body() body: unknown,
    @Query() query: unknown,
    @RequestActor() actor: Actor,
  ) {
    parseQuery(noQuery, query);
    return this.changes.change(id, 'resolve', parseBody(noteSchema, body ?? {}).note, actor);
  }
}
