import {
  AccountResult,
  errorResult,
  resultKey,
  resultsRepository,
  runsRepository,
} from '@app/reconciliation';
import { BEYOND_2_53, createAccounts, useTestDatabase } from './repository-fixtures';

function result(runId: string, accountId: string, over: Partial<AccountResult>): AccountResult {
  return { ...errorResult({ runId, accountId, attempts: 1 }), ...over };
}

describe('results repository (real Postgres)', () => {
  const db = useTestDatabase();
  let ids: string[];

  beforeAll(async () => {
    ids = await createAccounts(db(), ['RS-1', 'RS-2', 'RS-3']);
  });

  const newRun = async () => (await runsRepository.create(db(), 'api', {}, null))!.runId;

  it('upserts one row per (run, account); a final row is never overwritten; counts move once', async () => {
    const runId = await newRun();
    const timing = result(runId, ids[0], { status: 'timing', final: false });
    expect(await resultsRepository.upsertBatch(db(), [timing])).toEqual({
      written: new Set([resultKey(runId, ids[0])]),
      madeFinal: new Set(),
      completedRuns: [],
      closedRuns: new Set(),
    });
    const matched = result(runId, ids[0], { status: 'matched', final: true, attempts: 2 });
    const second = await resultsRepository.upsertBatch(db(), [
      matched,
      result(runId, ids[1], { status: 'matched', final: true }),
    ]);
    expect(second.madeFinal).toEqual(new Set([resultKey(runId, ids[0]), resultKey(runId, ids[1])]));
    // A retry of a final result writes nothing and counts nothing.
    const retry = await resultsRepository.upsertBatch(db(), [
      result(runId, ids[0], { status: 'error', final: true, attempts: 3 }),
    ]);
    expect(retry).toEqual({
      written: new Set(),
      madeFinal: new Set(),
      completedRuns: [],
      closedRuns: new Set(),
    });
    expect(await resultsRepository.countByRun(db(), runId)).toBe(2);
    const third = await resultsRepository.upsertBatch(db(), [
      result(runId, ids[2], { status: 'error', final: true }),
    ]);
    expect(third.completedRuns).toEqual([runId]);
    expect(await resultsRepository.summarize(db(), runId)).toEqual(
      expect.arrayContaining([
        {
          provider: 'netzme',
          status: 'matched',
          count: 2,
          breakCount: 0,
          totalAbsDifference: null,
          largestAbsDifference: null,
        },
        {
          provider: 'netzme',
          status: 'error',
          count: 1,
          breakCount: 0,
          totalAbsDifference: null,
          largestAbsDifference: null,
        },
      ]),
    );
  });

  it('keeps money beyond 2^53 exact through the upsert and the summary', async () => {
    const runId = await newRun();
    await resultsRepository.upsertBatch(db(), [
      result(runId, ids[0], {
        status: 'mismatched',
        final: true,
        providerBalance: BEYOND_2_53,
        ledgerBalance: 0n,
        difference: BEYOND_2_53,
        inFlightAmount: 0n,
      }),
      result(runId, ids[1], {
        status: 'mismatched',
        final: true,
        providerBalance: 0n,
        ledgerBalance: 2n,
        difference: -2n,
        inFlightAmount: 0n,
      }),
    ]);
    const [mismatched] = (await resultsRepository.summarize(db(), runId)).filter(
      (g) => g.status === 'mismatched',
    );
    expect(mismatched).toEqual({
      provider: 'netzme',
      status: 'mismatched',
      count: 2,
      breakCount: 2,
      totalAbsDifference: BEYOND_2_53 + 2n,
      largestAbsDifference: BEYOND_2_53,
    });
  });

  it("reads a job's start in one statement: account, final result, run status, in key order", async () => {
    const runId = await newRun();
    await resultsRepository.upsertBatch(db(), [
      result(runId, ids[1], { status: 'matched', final: true }),
    ]);
    const starts = await resultsRepository.readJobStarts(db(), [
      { runId, accountId: ids[1] },
      { runId, accountId: '999999999' },
      { runId: '999999999', accountId: ids[0] },
      { runId, accountId: ids[0] },
    ]);
    expect(starts.map((s) => [s.account?.id, s.hasFinalResult, s.runStatus])).toEqual([
      [ids[1], true, 'running'],
      [undefined, false, 'running'],
      [ids[0], false, null],
      [ids[0], false, 'running'],
    ]);
    expect(starts[0].account).toEqual({
      id: ids[1],
      provider: 'netzme',
      account_no: 'RS-2',
      currency: 'IDR',
      credential_set: null,
      ms_id: null,
      expected_provider_name: null,
    });
    expect(
      await resultsRepository.findFinalKeys(db(), [
        { runId, accountId: ids[0] },
        { runId, accountId: ids[1] },
      ]),
    ).toEqual(new Set([resultKey(runId, ids[1])]));
  });

  it('finds when an account last matched before an instant', async () => {
    const runId = await newRun();
    const asOf = new Date('2026-05-01T00:00:00Z');
    const providerTime = new Date('2026-04-30T23:58:00Z');
    const before = new Date();
    await resultsRepository.upsertBatch(db(), [
      result(runId, ids[2], { status: 'matched', final: true, asOf, providerTime }),
    ]);
    // Its as-of, when it was recorded (the back-dated entries of a bridge are those stored
    // after it) and the provider's own time (where the bridge's events start).
    const [match] = await resultsRepository.lastMatchedAts(db(), [
      { accountId: ids[2], before: new Date('2026-05-02T00:00:00Z') },
    ]);
    expect(match!.checkedAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    const m = { asOf, checkedAt: match!.checkedAt, providerTime };
    expect(
      await resultsRepository.lastMatchedAts(db(), [
        { accountId: ids[2], before: new Date('2026-05-02T00:00:00Z') },
      ]),
    ).toEqual([m]);
    expect(
      await resultsRepository.lastMatchedAts(db(), [{ accountId: ids[2], before: asOf }]),
    ).toEqual([null]);
    // Several in one statement, answered in order (a repeated query too).
    expect(
      await resultsRepository.lastMatchedAts(db(), [
        { accountId: ids[2], before: asOf },
        { accountId: ids[2], before: new Date('2026-05-02T00:00:00Z') },
        { accountId: ids[2], before: asOf },
      ]),
    ).toEqual([null, m, null]);
  });

  it('lists the explained breaks of a run with their accounts', async () => {
    const runId = await newRun();
    const attribution = { outcome: 'explained', summary: 'explained', providerOnly: [] };
    await resultsRepository.upsertBatch(db(), [
      result(runId, ids[0], { status: 'mismatched', final: true, attribution }),
      result(runId, ids[1], {
        status: 'mismatched',
        final: true,
        attribution: { outcome: 'failed', summary: 'x' },
      }),
    ]);
    expect(await resultsRepository.findAttributed(db(), runId)).toEqual([
      { merchantId: 'm1', provider: 'netzme', accountNo: 'RS-1', msId: null, attribution },
    ]);
  });

  it("deletes expired results but keeps each account's latest", async () => {
    const older = await newRun();
    const newer = await newRun();
    for (const runId of [older, newer])
      await resultsRepository.upsertBatch(db(), [
        result(runId, ids[0], { status: 'matched', final: true }),
      ]);
    await runsRepository.finish(db(), older, {});
    await runsRepository.finish(db(), newer, {});
    await db().query(
      `UPDATE reconciliation_runs SET started_at = now() - interval '100 days' WHERE id = ANY($1::bigint[])`,
      [[older, newer]],
    );
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    const deleted = await resultsRepository.deleteExpired(db(), cutoff, 1000);
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await resultsRepository.countByRun(db(), older)).toBe(0);
    expect(await resultsRepository.countByRun(db(), newer)).toBe(1);
  });
});
