import {
  discrepanciesRepository,
  errorResult,
  resultsRepository,
  runsRepository,
} from '@app/reconciliation';
import { BEYOND_2_53, createAccounts, useTestDatabase } from './repository-fixtures';

describe('discrepancies repository (real Postgres)', () => {
  const db = useTestDatabase();
  let ids: string[];

  beforeAll(async () => {
    ids = await createAccounts(db(), ['DS-1', 'DS-2']);
  });

  /** A run whose results are `statuses` (by account) with `difference`; applied to discrepancies. */
  async function runWith(statuses: ('matched' | 'mismatched')[], difference: bigint) {
    const { runId } = (await runsRepository.create(db(), 'api', {}, null))!;
    await resultsRepository.upsertBatch(
      db(),
      statuses.map((status, i) => ({
        ...errorResult({ runId, accountId: ids[i], attempts: 1 }),
        status,
        final: true,
        difference: status === 'mismatched' ? difference : 0n,
      })),
    );
    await db().transaction((tx) => discrepanciesRepository.applyRunResults(tx, runId));
    return runId;
  }

  it('opens one per mismatched account, adds occurrences, resolves on a match; idempotent per run', async () => {
    const first = await runWith(['mismatched', 'matched'], BEYOND_2_53);
    const [opened] = await discrepanciesRepository.findPage(db(), 'active', 10, 0);
    expect(opened).toMatchObject({
      status: 'open',
      merchantId: 'm1',
      provider: 'netzme',
      accountNo: 'DS-1',
      occurrences: 1,
      openedRunId: first,
      lastRunId: first,
      firstDifference: BEYOND_2_53,
      lastDifference: BEYOND_2_53,
      acknowledgedAt: null,
      resolvedAt: null,
      explanation: null,
    });
    expect(opened.openedAt).toBeInstanceOf(Date);
    // Applying the same run again changes nothing.
    await db().transaction((tx) => discrepanciesRepository.applyRunResults(tx, first));
    expect(await discrepanciesRepository.count(db(), 'all')).toBe(1);

    const second = await runWith(['mismatched', 'matched'], -5n);
    expect(await discrepanciesRepository.findById(db(), opened.id)).toMatchObject({
      occurrences: 2,
      lastRunId: second,
      firstDifference: BEYOND_2_53,
      lastDifference: -5n,
    });

    const third = await runWith(['matched', 'matched'], 0n);
    const resolved = (await discrepanciesRepository.findById(db(), opened.id))!;
    expect(resolved.status).toBe('resolved');
    expect(resolved.note).toBe(`matched again in run ${third}`);
    expect(await discrepanciesRepository.findResolvedByRun(db(), third)).toEqual([opened.id]);
    expect(await discrepanciesRepository.count(db(), 'active')).toBe(0);
    expect(await discrepanciesRepository.count(db(), 'resolved')).toBe(1);
  });

  it('announces each opening once (undelivered until marked)', async () => {
    const runId = await runWith(['matched', 'mismatched'], 7n);
    const [id] = await discrepanciesRepository.findUndelivered(db(), runId);
    expect(id).toMatch(/^\d+$/);
    await discrepanciesRepository.markNotified(db(), id);
    expect(await discrepanciesRepository.findUndelivered(db(), runId)).toEqual([]);
  });

  it("changes status under the row's lock and appends the note", async () => {
    const [active] = await discrepanciesRepository.findPage(db(), 'open', 10, 0);
    await db().transaction(async (tx) => {
      expect(await discrepanciesRepository.lockStatus(tx, active.id)).toBe('open');
      await discrepanciesRepository.setStatus(tx, active.id, 'acknowledged', 'looking');
    });
    const acknowledged = (await discrepanciesRepository.findById(db(), active.id))!;
    expect(acknowledged).toMatchObject({ status: 'acknowledged', note: 'looking' });
    expect(acknowledged.acknowledgedAt).toBeInstanceOf(Date);
    await discrepanciesRepository.setStatus(db(), active.id, 'resolved', 'fixed');
    expect(await discrepanciesRepository.findById(db(), active.id)).toMatchObject({
      status: 'resolved',
      note: 'looking\nfixed',
    });
    expect(await discrepanciesRepository.lockStatus(db(), '999999999')).toBeNull();
    expect(await discrepanciesRepository.findById(db(), '999999999')).toBeNull();
  });
});
