import { errorResult, resultsRepository, runsRepository } from '@app/reconciliation';
import { createAccounts, useTestDatabase } from './repository-fixtures';

describe('runs repository (real Postgres)', () => {
  const db = useTestDatabase();
  let netzme: string[];
  let finnet: string[];

  beforeAll(async () => {
    netzme = await createAccounts(db(), ['RN-1', 'RN-2']);
    finnet = await createAccounts(db(), ['RF-1'], { provider: 'finnet', merchantId: 'm2' });
    await createAccounts(db(), ['RN-OFF'], { enabled: false });
  });

  it('creates a run over the enabled accounts of its scope, its account set fixed', async () => {
    const all = (await runsRepository.create(db(), 'api', {}, null))!;
    expect(all.accountCount).toBe(3);
    expect((await runsRepository.findAccountIds(db(), all.runId))!.sort()).toEqual(
      [...netzme, ...finnet].sort(),
    );
    const scoped = (await runsRepository.create(db(), 'cli', { provider: 'finnet' }, null))!;
    expect(scoped.accountCount).toBe(1);
    expect(await runsRepository.findAccounts(db(), scoped.runId)).toEqual([
      { id: finnet[0], provider: 'finnet' },
    ]);
    const listed = (await runsRepository.create(db(), 'api', { accountIds: [netzme[1]] }, null))!;
    expect(await runsRepository.findAccountIds(db(), listed.runId)).toEqual([netzme[1]]);
    expect(await runsRepository.findAccountIds(db(), '999999999')).toBeNull();
  });

  it('creates one run per schedule tick: the second create finds the first', async () => {
    const first = await runsRepository.create(db(), 'schedule', {}, 'tick-1');
    expect(first).not.toBeNull();
    expect(await runsRepository.create(db(), 'schedule', {}, 'tick-1')).toBeNull();
    expect(await runsRepository.findBySchedule(db(), 'tick-1')).toEqual(first);
    expect(await runsRepository.findBySchedule(db(), 'tick-none')).toBeNull();
  });

  it('finishes a running run once, saying how long it ran; later calls change nothing', async () => {
    const run = (await runsRepository.create(db(), 'api', { provider: 'finnet' }, null))!;
    const seconds = await runsRepository.finish(db(), run.runId, { counts: {} });
    expect(typeof seconds).toBe('number');
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(await runsRepository.finish(db(), run.runId, { counts: {} })).toBeNull();
    expect(await runsRepository.cancel(db(), run.runId, {}, 'too late')).toBe(false);
    expect(await runsRepository.findStatus(db(), run.runId)).toBe('finished');
  });

  it('cancels a running run; statuses come back in the order asked, unknown ones null', async () => {
    const run = (await runsRepository.create(db(), 'api', { provider: 'finnet' }, null))!;
    expect(await runsRepository.cancel(db(), run.runId, {}, 'by test')).toBe(true);
    expect(await runsRepository.findStatuses(db(), ['999999999', run.runId])).toEqual([
      null,
      'cancelled',
    ]);
    expect(await runsRepository.findStatus(db(), '999999999')).toBeNull();
  });

  it('lists the accounts without a final result: all, only while running, one provider, ordered', async () => {
    const run = (await runsRepository.create(db(), 'api', {}, null))!;
    await resultsRepository.upsertBatch(db(), [
      { ...errorResult({ runId: run.runId, accountId: netzme[0], attempts: 1 }), final: true },
      {
        ...errorResult({ runId: run.runId, accountId: netzme[1], attempts: 1 }),
        status: 'timing',
        final: false,
      },
    ]);
    const open = await runsRepository.findAccountsWithoutFinalResult(db(), run.runId, {
      ordered: true,
    });
    expect(open).toEqual(
      [
        { id: netzme[1], provider: 'netzme' },
        { id: finnet[0], provider: 'finnet' },
      ].sort((a, b) => Number(a.id) - Number(b.id)),
    );
    expect(
      await runsRepository.findAccountsWithoutFinalResult(db(), run.runId, { provider: 'finnet' }),
    ).toEqual([{ id: finnet[0], provider: 'finnet' }]);
    await runsRepository.cancel(db(), run.runId, {}, 'stop');
    expect(
      await runsRepository.findAccountsWithoutFinalResult(db(), run.runId, { onlyIfRunning: true }),
    ).toEqual([]);
    expect(await runsRepository.findAccountsWithoutFinalResult(db(), run.runId)).toHaveLength(2);
  });

  it('finds a running run of the same scope (never a listed one), and records a skipped tick once', async () => {
    const scoped = (await runsRepository.create(db(), 'api', { merchantId: 'm2' }, null))!;
    await runsRepository.create(db(), 'api', { accountIds: [finnet[0]] }, null);
    expect(await runsRepository.findRunningOfScope(db(), { merchantId: 'm2' })).toBe(scoped.runId);
    expect(await runsRepository.findRunningOfScope(db(), { merchantId: 'zz' })).toBeNull();
    const skipped = await runsRepository.insertSkipped(db(), 'tick-skip', 'skipped: busy');
    expect(skipped).toMatch(/^\d+$/);
    expect(await runsRepository.insertSkipped(db(), 'tick-skip', 'skipped: busy')).toBeNull();
    expect(await runsRepository.findStatus(db(), skipped!)).toBe('skipped');
    expect(await runsRepository.findRunningIds(db())).toContain(scoped.runId);
  });

  it('reports running runs as the sweeper sees them, and marks stalled runs once', async () => {
    const run = (await runsRepository.create(db(), 'api', { provider: 'finnet' }, null))!;
    await db().query(
      `UPDATE reconciliation_runs SET started_at = now() - interval '2 hours' WHERE id = $1`,
      [run.runId],
    );
    const states = await runsRepository.findRunningStates(db(), 60_000, 3600);
    expect(states.find((s) => s.id === run.runId)).toEqual({
      id: run.runId,
      complete: false,
      quiet: true,
      overdue: true,
    });
    const marked = await runsRepository.markStalled(db(), 3600);
    expect(marked).toContain(run.runId);
    expect(await runsRepository.markStalled(db(), 3600)).not.toContain(run.runId);
  });

  it('deletes only expired runs that hold nothing, in batches', async () => {
    const old = (await runsRepository.create(db(), 'api', { provider: 'finnet' }, null))!;
    await runsRepository.finish(db(), old.runId, {});
    await db().query(
      `UPDATE reconciliation_runs SET started_at = now() - interval '100 days' WHERE id = $1`,
      [old.runId],
    );
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    expect(await runsRepository.deleteExpired(db(), cutoff, 1000)).toBe(1);
    expect(await runsRepository.findStatus(db(), old.runId)).toBeNull();
    expect(await runsRepository.deleteExpired(db(), cutoff, 1000)).toBe(0);
  });
});
