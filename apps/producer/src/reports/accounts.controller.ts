import { Controller, Get, Param, Query } from '@nestjs/common';
import { ACCOUNT_PARAMS } from '../http/route-params';
import { parseQuery } from '../validation';
import { historyQuery } from './report-params';
import { ReportsService } from './reports.service';

/** One account across runs. */
@Controller('accounts')
export class AccountsController {
  constructor(private readonly reports: ReportsService) {}

  @Get(':provider/:accountNo/history')
  history(
    @Param(ACCOUNT_PARAMS) { provider, accountNo }: { provider: string; accountNo: string },
    @Query() query: unknown,
  ) {
    const { msId, limit } = parseQuery(historyQuery, query);
    return this.reports.accountHistory({ provider, accountNo, msId }, limit);
  }
}
