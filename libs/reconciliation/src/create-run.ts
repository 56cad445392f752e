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

/**
 * A run for a named scope (provider and/or merchant) that matches no enabled account, refused
 * rather than made: an empty run would finish at once with "every account matched" and become
 * the latest run, hiding the last real one behind an all-clear (a typo in a merchant id).
 */
export class EmptyRunScopeError extends Error {
  constructor(
    readonly filter: RunFilter,
    /** What there is instead, e.g. `merchant "M1" has accounts at netzme`. */
    readonly hint: string,
  ) {
    const scope = [
      filter.provider ? `provider ${JSON.stringify(filter.provider)}` : null,
      filter.merchantId ? `merchantId ${JSON.stringify(filter.merchantId)}` : null,
    ]
      .filter(Boolean)
      .join(' and ');
    super(`no enabled account matches ${scope}; ${hint}`);
    this.name = 'EmptyRunScopeError';
  }
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
  /** Refuse ({@link EmptyRunScopeError}) a provider or merchant scope that matches nothing. */
  refuseEmptyScope = false,
): Promise<CreatedRun> {
  const created = await ds.transaction(async (tx) => {
    const run = await runsRepository.create(tx, trigger, filter, scheduleKey);
    const named = filter.provider !== undefined || filter.merchantId !== undefined;
    if (run?.accountCount === 0 && refuseEmptyScope && named) {
      // Thrown inside the transaction: the empty run row is rolled back.
      throw new EmptyRunScopeError(filter, await runsRepository.scopeHint(tx, filter));
    }
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
    return Object.assign({}, existing, { created: false });
  }
  if (created.accountCount === 0) {
    // Nothing was checked: finished at once, with no alert to send (and no result to judge).
    await finalizeRun(ds, created.runId, 0n);
    await runsRepository.markAnnounced(ds, created.runId);
  }
  return Object.assign({}, created, { created: true });
}
