import { InitialSchema1763700000000 } from './1763700000000-InitialSchema';
import { ReportIndexes1763800000000 } from './1763800000000-ReportIndexes';
import { Discrepancies1763900000000 } from './1763900000000-Discrepancies';
import { UnavailableStatus1764100000000 } from './1764100000000-UnavailableStatus';
import { RunControl1764100001000 } from './1764100001000-RunControl';

/** Every migration, in order; listed explicitly so builds and tests need no file globbing. */
export const MIGRATIONS = [
  InitialSchema1763700000000,
  ReportIndexes1763800000000,
  Discrepancies1763900000000,
  UnavailableStatus1764100000000,
  RunControl1764100001000,
];
