import { InitialSchema1763700000000 } from './1763700000000-InitialSchema';
import { ReportIndexes1763800000000 } from './1763800000000-ReportIndexes';
import { Discrepancies1763900000000 } from './1763900000000-Discrepancies';
import { ProviderTruth1764000000000 } from './1764000000000-ProviderTruth';
import { UnavailableStatus1764100000000 } from './1764100000000-UnavailableStatus';
import { RunControl1764100001000 } from './1764100001000-RunControl';
import { RetentionIndexes1764200000000 } from './1764200000000-RetentionIndexes';
import { AuditLog1764400000000 } from './1764400000000-AuditLog';
import { AlertMarks1764400000001 } from './1764400000001-AlertMarks';
import { ExplainBreaks1764600000000 } from './1764600000000-ExplainBreaks';
import { SellerAccounts1764700000000 } from './1764700000000-SellerAccounts';
import { ResultReferences1764800000000 } from './1764800000000-ResultReferences';
import { RunAnnouncements1764900000000 } from './1764900000000-RunAnnouncements';
import { DiscrepancyReopening1765000000000 } from './1765000000000-DiscrepancyReopening';
import { DiscrepancyRunIndexes1765100000000 } from './1765100000000-DiscrepancyRunIndexes';
import { AccountsInIdr1765200000000 } from './1765200000000-AccountsInIdr';
import { BreakIndex1765300000000 } from './1765300000000-BreakIndex';

/** Every migration, in order; listed explicitly so builds and tests need no file globbing. */
export const MIGRATIONS = [
  InitialSchema1763700000000,
  ReportIndexes1763800000000,
  Discrepancies1763900000000,
  ProviderTruth1764000000000,
  UnavailableStatus1764100000000,
  RunControl1764100001000,
  RetentionIndexes1764200000000,
  AuditLog1764400000000,
  AlertMarks1764400000001,
  ExplainBreaks1764600000000,
  SellerAccounts1764700000000,
  ResultReferences1764800000000,
  RunAnnouncements1764900000000,
  DiscrepancyReopening1765000000000,
  DiscrepancyRunIndexes1765100000000,
  AccountsInIdr1765200000000,
  BreakIndex1765300000000,
];
