export * as alertFiguresRepository from './alert-figures.repository';
export * as auditRepository from './audit.repository';
export * as discrepanciesRepository from './discrepancies.repository';
export * as resultsRepository from './results.repository';
export * as runsRepository from './runs.repository';
export { resultKey } from './results.repository';
export * as runReportsRepository from './run-reports.repository';
