import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { parseQuery } from '../validation';
import { ApiQueryParam, ApiReportErrors } from './openapi';
import { ref } from './openapi-schemas';
import { dailyQuery, MAX_DAYS } from './report-params';
import { ReportsService } from './reports.service';

/** Figures per calendar day, for charts. */
@ApiTags('reports')
@Controller('reports')
export class DailyReportController {
  constructor(private readonly reports: ReportsService) {}

  @Get('daily')
  @ApiOperation({
    summary: 'Mismatches per day',
    description:
      'The last `days` calendar days in SCHEDULE_TIMEZONE, today included, oldest first, every day present. ' +
      'Per day: runs started, accounts found mismatched by any of them (each account once) and the sum ' +
      'of their |difference| as the day’s last run found it, so hourly runs do not count a break 24 times.',
  })
  @ApiQueryParam('days', `Days to cover, at most ${MAX_DAYS}.`, {
    type: 'integer',
    minimum: 1,
    maximum: MAX_DAYS,
    default: 30,
  })
  @ApiOkResponse({ description: 'One item per day.', schema: ref('DailyReport') })
  @ApiReportErrors()
  daily(@Query() query: unknown) {
    return this.reports.daily(parseQuery(dailyQuery, query).days);
  }
}
