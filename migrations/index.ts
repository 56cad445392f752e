import { InitialSchema1763700000000 } from './1763700000000-InitialSchema';
import { ReportIndexes1763800000000 } from './1763800000000-ReportIndexes';
import { Discrepancies1763900000000 } from './1763900000000-Discrepancies';
import { ProviderTruth1764000000000 } from './1764000000000-ProviderTruth';
import { ExplainBreaks1764600000000 } from './1764600000000-ExplainBreaks';

/** Every migration, in order; listed explicitly so builds and tests need no file globbing. */
export const MIGRATIONS = [
  InitialSchema1763700000000,
  ReportIndexes1763800000000,
  Discrepancies1763900000000,
  ProviderTruth1764000000000,
  ExplainBreaks1764600000000,
];
