import {
  alertFiguresRepository,
  errorResult,
  resultsRepository,
  runReportsRepository,
  runsRepository,
} from '@app/reconciliation';
import { BEYOND_2_53, createAccounts, useTestDatabase } from './repository-fixtures';

describe("reports' read models (real Postgres)", () => {
  const db = useTestDatabase();
  let ids: string[];
  let runId: string;

  beforeAll(async () => {
    ids = await createAccounts(db(), ['RR-1', 'RR-2', 'RR-3', 'RR-4']);
    runId = (await runsRepository.create(db(), 'api', {}, null))!.runId;
    const base = (accountId: string) => errorResult({ runId, accountId, attempts: 1 });
    await resultsRepository.upsertBatch(db(), [
      {
        ...base(ids[0]),
        status: 'mismatched',
        final: true,
        providerBalance: BEYOND_2_53,
        ledgerBalance: 0n,
        difference: BEYOND_2_53,
        inFlightAmount: 0n,
        currency: 'IDR',
        asOf: new Date('2026-06-01T00:00:00Z'),
        attribution: { outcome: 'explained', summary: 'explained: 1 item' },
      },
      { ...base(ids[1]), status: 'mismatched', final: true, difference: -7n },
      { ...base(ids[2]), status: 'matched', final: true, difference: 0n },
      { ...base(ids[3]), errorMessage: 'boom' },
    ]);
    await runsRepository.finish(db(), runId, {
      counts: { mismatched: 2 },
      totalAbsDifference: (BEYOND_2_53 + 7n).toString(),
    });
  });

  it('reads a run by id or as the latest; anything else is no run', async () => {
    const run = (await runReportsRepository.findRun(db(), runId))!;
    expect(run).toMatchObject({
      id: runId,
      status: 'finished',
      trigger: 'api',
      providerFilter: null,
      merchantFilter: null,
      accountCount: 4,
      completedCount: 4,
      summary: { counts: { mismatched: 2 }, totalAbsDifference: '9007199254741000' },
    });
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(await runReportsRepository.findRun(db(), 'latest')).toEqual(run);
    expect(await runReportsRepository.findRun(db(), 'abc')).toBeNull();
    expect(await runReportsRepository.findRun(db(), '999999999')).toBeNull();
    expect(await runReportsRepository.countRuns(db(), { status: 'running' })).toBe(0);
    expect(await runReportsRepository.findRunsPage(db(), {}, 10, 0)).toEqual([run]);
  });

  it('maps result rows to records with exact money; every result, largest |difference| first', async () => {
    const results = await runReportsRepository.findRunResults(db(), runId);
    expect(results.map((r) => [r.accountNo, r.difference])).toEqual([
      ['RR-1', BEYOND_2_53],
      ['RR-2', -7n],
      ['RR-3', 0n],
      ['RR-4', null],
    ]);
    expect(results[0]).toMatchObject({
      merchantId: 'm1',
      provider: 'netzme',
      status: 'mismatched',
      providerBalance: BEYOND_2_53,
      ledgerBalance: 0n,
      inFlightAmount: 0n,
      explanation: 'explained: 1 item',
    });
    expect(results[3]).toMatchObject({
      status: 'error',
      errorMessage: 'boom',
      providerBalance: null,
    });
  });

  it('pages and filters results, and walks them in keyset batches without gaps or repeats', async () => {
    expect(await runReportsRepository.countResults(db(), runId, { statuses: ['mismatched'] })).toBe(
      2,
    );
    const page = await runReportsRepository.findResultsPage(db(), runId, {}, 2, 1);
    expect(page.map((r) => r.accountNo)).toEqual(['RR-2', 'RR-3']);
    expect(page[0]).toMatchObject({ accountId: ids[1], sortKey: 7n, merchantName: 'Merchant m1' });
    const seen: string[] = [];
    let after: { sortKey: bigint; accountId: string } | null = null;
    for (;;) {
      const batch = await runReportsRepository.findResultBatch(db(), runId, {}, after, 1);
      if (batch.length === 0) break;
      seen.push(batch[0].accountNo);
      after = { sortKey: batch[0].sortKey, accountId: batch[0].accountId };
    }
    expect(seen).toEqual(['RR-1', 'RR-2', 'RR-3', 'RR-4']);
  });

  it("lists an account's results newest run first, with the run", async () => {
    const [latest] = await runReportsRepository.findAccountResults(db(), ids[0], 5);
    expect(latest).toMatchObject({
      runId,
      runTrigger: 'api',
      accountNo: 'RR-1',
      difference: BEYOND_2_53,
      asOf: new Date('2026-06-01T00:00:00Z'),
      attribution: { outcome: 'explained', summary: 'explained: 1 item' },
    });
  });

  it('sums the day’s mismatches exactly, every day present', async () => {
    const days = await runReportsRepository.dailyMismatches(db(), 3, 'Asia/Jakarta');
    expect(days).toHaveLength(3);
    expect(days[2]).toMatchObject({
      runs: 1,
      mismatchCount: 2,
      totalAbsDifference: BEYOND_2_53 + 7n,
    });
    expect(days[0]).toMatchObject({ runs: 0, mismatchCount: 0, totalAbsDifference: 0n });
  });

  it('reads every alert gauge in one statement', async () => {
    const figures = await alertFiguresRepository.read(db());
    expect(figures.lastFinishedRunAt).toBeGreaterThan(0);
    expect(figures.oldestRunningRunAgeSeconds).toBe(0);
    expect(figures.openDiscrepanciesByAge).toEqual({ lt_1h: 0, '1h_24h': 0, '1d_7d': 0, gt_7d: 0 });
  });
});
