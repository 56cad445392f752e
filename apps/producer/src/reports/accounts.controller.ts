import { Controller, Get, Param, Query } from '@nestjs/common';
import { parseParams, parseQuery } from '../validation';
import { accountParams, historyQuery } from './report-params';
import { ReportsService } from './reports.service';

/** One account across runs. */
@Controller('accounts')
export class AccountsController {
  constructor(private readonly reports: ReportsService) {}

  @Get(':provider/:accountNo/history')
  history(@Param() params: unknown, @Query() query: unknown) {
    const { provider, accountNo } = parseParams(accountParams, params);
    const { limit } = parseQuery(historyQuery, query);
    return this.reports.accountHistory(provider, accountNo, limit);
  }
}
