import type { DataSource } from 'typeorm';
import type { ProviderName } from '@app/snap';
import { Actor, appendAudit } from './audit-log';
import { finalizeRun } from './finalize-run';
import * as runsRepository from './repositories/runs.repository';
import type { RunTrigger } from './result-status';

/** Which accounts a run covers; empty means every enabled account. */
export interface RunFilter {
  provider?: ProviderName;
  merchantId?: string;
  /** Only these accounts (ids): a re-check of a list. */
  accountIds?: string[];
}

export interface CreatedRun {
  runId: string;
  accountCount: number;
  /** False when a run for this schedule tick already existed (another producer made it). */
  created: boolean;
}

/**
 * Creates a run row with the ids of the accounts it covers, in one statement, so the set is
 * fixed at creation and a later re-enqueue covers exactly the same accounts. A scheduled run
 * passes its tick as `scheduleKey`: two producers firing at once create one run. A run a
 * person, key or CLI user started (`actor`) gets its audit record in the same transaction:
 * no run without its record, no record without its run.
 */
export async function createRun(
  ds: DataSource,
  trigger: RunTrigger,
  filter: RunFilter = {},
  scheduleKey: string | null = null,
  actor?: Actor,
): Promise<CreatedRun> {
  const created = await ds.transaction(async (tx) => {
    const run = await runsRepository.create(tx, trigger, filter, scheduleKey);
    if (run && actor)
      await appendAudit(tx, [
        {
          actor,
          action: 'run.start',
          subjectType: 'run',
          subjectId: run.runId,
          after: { trigger, accountCount: run.accountCount, ...filter },
        },
      ]);
    return run;
  });
  if (created === null) {
    const existing = (await runsRepository.findBySchedule(ds, scheduleKey))!;
    return { ...existing, created: false };
  }
  if (created.accountCount === 0) await finalizeRun(ds, created.runId);
  return { ...created, created: true };
}
