import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { PROVIDERS } from '@app/snap';
import { parseParams, parseQuery } from '../validation';
import { ApiQueryParam, ApiReportErrors } from './openapi';
import { ref } from './openapi-schemas';
import { accountParams, historyQuery, MAX_HISTORY } from './report-params';
import { ReportsService } from './reports.service';

/** One account across runs. */
@ApiTags('reports')
@Controller('accounts')
export class AccountsController {
  constructor(private readonly reports: ReportsService) {}

  @Get(':provider/:accountNo/history')
  @ApiOperation({
    summary: 'An account’s results across runs, newest run first (highest run id)',
    description:
      'Each result comes with the ledger entries posted in the in-flight window before its `asOf` ' +
      '(RECON_IN_FLIGHT_WINDOW_SECONDS): money the provider may not have booked yet, which is ' +
      'usually why a balance differed.',
  })
  @ApiParam({ name: 'provider', enum: [...PROVIDERS] })
  @ApiParam({
    name: 'accountNo',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$', example: 'NP00002' },
  })
  @ApiQueryParam('limit', `Most runs listed, at most ${MAX_HISTORY}.`, {
    type: 'integer',
    minimum: 1,
    maximum: MAX_HISTORY,
    default: 20,
  })
  @ApiOkResponse({ description: 'The account and its results.', schema: ref('AccountHistory') })
  @ApiReportErrors({ notFound: 'No such account.' })
  history(@Param() params: unknown, @Query() query: unknown) {
    const { provider, accountNo } = parseParams(accountParams, params);
    const { limit } = parseQuery(historyQuery, query);
    return this.reports.accountHistory(provider, accountNo, limit);
  }
}
