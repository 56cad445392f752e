import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller';
import { DailyReportController } from './daily.controller';
import { ReportsService } from './reports.service';
import { ReportPageController } from './ui/report-page.controller';

/**
 * The reports API (`/accounts/:provider/:accountNo/history`, `/reports/daily`; the `/runs`
 * resource, results included, is runs/runs.controller.ts, reading through {@link ReportsService})
 * and the report pages (`/`,
 * `/ui/accounts/:provider/:accountNo`). Needs the config and the data source of the app
 * (ConfigModule, InfraModule and AlertsModule are global). OpenAPI at `/docs`: see {@link setupOpenApi}.
 */
@Module({
  controllers: [AccountsController, DailyReportController, ReportPageController],
  providers: [ReportsService],
  exports: [ReportsService],
})
export class ReportsModule {}
