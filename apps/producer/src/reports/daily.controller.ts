import { Controller, Get, Query } from '@nestjs/common';
import { parseQuery } from '../validation';
import { dailyQuery } from './report-params';
import { ReportsService } from './reports.service';

/** Figures per calendar day, for charts. */
@Controller('reports')
export class DailyReportController {
  constructor(private readonly reports: ReportsService) {}

  @Get('daily')
  daily(@Query() query: unknown) {
    return this.reports.daily(parseQuery(dailyQuery, query).days);
  }
}
