import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { APP_LOGGER, Logger } from '@app/infra';
import { AUDIT_SUBJECTS, AuditFilter, listAudit, writeAuditCsv } from '@app/reconciliation';
import { PROVIDERS } from '@app/snap';
import { Export } from '../http/export-slots';
import { parseQuery } from '../validation';
import { accountIdText } from '../http/route-params';

const whole = (max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`));

const filterFields = {
  subjectType: z.enum(AUDIT_SUBJECTS).optional(),
  subjectId: z
    .string()
    .regex(/^[A-Za-z0-9._/-]{1,140}$/, 'must be an id')
    .optional(),
  provider: z.enum(PROVIDERS).optional(),
  accountNo: accountIdText.optional(),
  /** With provider and accountNo: the NICEPay seller under it (absent: the merchant's own). */
  msId: accountIdText.optional(),
};

function toFilter(q: {
  subjectType?: AuditFilter['subjectType'];
  subjectId?: string;
  provider?: string;
  accountNo?: string;
  msId?: string;
}): AuditFilter {
  return {
    subjectType: q.subjectType,
    subjectId: q.subjectId,
    account:
      q.provider && q.accountNo
        ? { provider: q.provider, accountNo: q.accountNo, msId: q.msId ?? null }
        : undefined,
  };
}

const bothOrNeither = (q: { provider?: string; accountNo?: string }) =>
  (q.provider === undefined) === (q.accountNo === undefined);
const BOTH = { message: 'provider and accountNo go together', path: ['accountNo'] };
const sellerNeedsAccount = (q: { accountNo?: string; msId?: string }) =>
  q.msId === undefined || q.accountNo !== undefined;
const SELLER = {
  message: 'msId names a seller under provider and accountNo: give them too',
  path: ['msId'],
};

export const auditQuery = z
  .object({
    ...filterFields,
    page: whole(1_000_000).optional().default('1'),
    pageSize: whole(500).optional().default('50'),
  })
  .strict()
  .refine(bothOrNeither, BOTH)
  .refine(sellerNeedsAccount, SELLER);
export const auditCsvQuery = z
  .object(filterFields)
  .strict()
  .refine(bothOrNeither, BOTH)
  .refine(sellerNeedsAccount, SELLER);

/** The audit trail: every change a person or an API key made, who made it, and when. */
@Controller('audit')
export class AuditController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  async list(@Query() query: unknown) {
    const q = parseQuery(auditQuery, query);
    return listAudit(this.ds, toFilter(q), q.page, q.pageSize);
  }

  /** The whole matching trail as CSV, oldest first, streamed. */
  @Get('export.csv')
  @Export()
  async csv(@Query() query: unknown, @Res() res: Response) {
    const filter = toFilter(parseQuery(auditCsvQuery, query));
    res.type('text/csv').attachment('audit.csv');
    await writeAuditCsv(this.ds, filter, res).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE')
        this.logger.error({ err }, 'audit CSV failed part-way');
      res.destroy();
    });
  }
}
