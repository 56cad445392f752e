import type { EntityList } from '@app/infra';
import { LEDGER_ENTITIES } from '@app/ledger';
import { ReconciliationResult } from './entities/reconciliation-result.entity';
import { ReconciliationRun } from './entities/reconciliation-run.entity';

/** Every TypeORM entity of the product. */
export const ALL_ENTITIES: EntityList = [
  ...LEDGER_ENTITIES,
  ReconciliationRun,
  ReconciliationResult,
];
