import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller';
import { DailyReportController } from './daily.controller';
import { ReportsService } from './reports.service';
import { RunReportsController } from './run-reports.controller';
import { ReportPageController } from './ui/report-page.controller';

/**
 * The reports API (`GET /runs`, `/runs/:id/results`, `/runs/:id/results.csv`,
 * `/accounts/:provider/:accountNo/history`, `/reports/daily`) and the report pages (`/`,
 * `/ui/accounts/:provider/:accountNo`). Needs the config and the data source of the app
 * (ConfigModule, InfraModule and AlertsModule are global). OpenAPI at `/docs`: see {@link setupOpenApi}.
 */
@Module({
  controllers: [
    RunReportsController,
    AccountsController,
    DailyReportController,
    ReportPageController,
  ],
  providers: [ReportsService],
  exports: [ReportsService],
})
export class ReportsModule {}
