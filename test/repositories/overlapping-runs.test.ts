import type { DataSource } from 'typeorm';
import {
  discrepanciesRepository,
  errorResult,
  finalizeRun,
  resultsRepository,
  runsRepository,
} from '@app/reconciliation';
import { createAccounts, useTestDatabase } from './repository-fixtures';

/**
 * Two runs covering the same account overlap (the hourly full run beside an API re-check of a
 * list, or a provider's run: only a scheduled run of the same scope is skipped). The run that
 * finishes last must not apply its older observation of an account over the newer one a run
 * finished meanwhile applied. (Found by a money-logic review.)
 */
describe('discrepancies when runs of the same account overlap', () => {
  const db = useTestDatabase();
  const t0 = new Date(Date.now() - 3_600_000);
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

  /**
   * A new run holding one result of the account (not finished), as of `minutes`; the
   * provider's own time is `providerMinutes` (default: the same).
   */
  const runWith = async (
    accountId: string,
    status: 'matched' | 'mismatched',
    difference: bigint,
    minutes: number,
    providerMinutes = minutes,
  ) => {
    const runId = (await runsRepository.create(db(), 'api', {}, null))!.runId;
    await result(runId, accountId, status, difference, at(minutes), at(providerMinutes));
    return runId;
  };
  async function result(
    runId: string,
    accountId: string,
    status: 'matched' | 'mismatched',
    difference: bigint,
    asOf: Date,
    providerTime: Date,
  ) {
    await resultsRepository.upsertBatch(db(), [
      {
        ...errorResult({ runId, accountId, attempts: 1 }),
        status,
        final: true,
        providerBalance: 100_000n + difference,
        ledgerBalance: 100_000n,
        difference,
        currency: 'IDR',
        asOf,
        providerTime,
      },
    ]);
  }
  const discrepancies = (ds: DataSource, accountId: string) =>
    ds.query(
      `SELECT status, opened_run_id::text, last_run_id::text, last_difference::text, occurrences, note
         FROM discrepancies WHERE account_id = $1 ORDER BY id`,
      [accountId],
    );

  it('an older run finishing last does not re-open (and re-announce) a break a newer run saw cleared', async () => {
    const [id] = await createAccounts(db(), ['OVL-1']);
    const p = await runWith(id, 'mismatched', -5_000n, 0);
    await finalizeRun(db(), p, 0n);
    // A (hourly) sees the break at t1; B (a re-check) sees it cleared at t2 and finishes first.
    const a = await runWith(id, 'mismatched', -5_000n, 1);
    const b = await runWith(id, 'matched', 0n, 2);
    await finalizeRun(db(), b, 0n);
    await finalizeRun(db(), a, 0n);
    expect(await discrepancies(db(), id)).toEqual([
      {
        status: 'resolved',
        opened_run_id: p,
        last_run_id: p,
        last_difference: '-5000',
        occurrences: 1,
        note: `matched again in run ${b}`,
      },
    ]);
  });

  it('an older run finishing last does not close a break a newer run confirmed ("matched again")', async () => {
    const [id] = await createAccounts(db(), ['OVL-2']);
    const a = await runWith(id, 'matched', 0n, 0);
    const b = await runWith(id, 'mismatched', -1_000_000n, 2);
    await finalizeRun(db(), b, 0n);
    await finalizeRun(db(), a, 0n);
    expect(await discrepancies(db(), id)).toEqual([
      {
        status: 'open',
        opened_run_id: b,
        last_run_id: b,
        last_difference: '-1000000',
        occurrences: 1,
        note: null,
      },
    ]);
  });

  it("on a provider clock behind ours, an older match finishing last does not close a break a newer check confirmed: as-ofs are on our clock, the provider's times apart", async () => {
    const [id] = await createAccounts(db(), ['OVL-CLOCK']);
    // A asked at 2 (our clock), B at 2.5; the provider's clock, a minute behind and drifting,
    // says 1 and 0.9: its times are no guide across checks, our as-ofs are.
    const a = await runWith(id, 'matched', 0n, 2, 1);
    const b = await runWith(id, 'mismatched', -1_000_000n, 2.5, 0.9);
    await finalizeRun(db(), b, 0n);
    await finalizeRun(db(), a, 0n);
    expect(await discrepancies(db(), id)).toEqual([
      {
        status: 'open',
        opened_run_id: b,
        last_run_id: b,
        last_difference: '-1000000',
        occurrences: 1,
        note: null,
      },
    ]);
  });

  it('an older run finishing last does not move an open break back to its older difference', async () => {
    const [id] = await createAccounts(db(), ['OVL-3']);
    const p = await runWith(id, 'mismatched', -5_000n, 0);
    await finalizeRun(db(), p, 0n);
    const a = await runWith(id, 'mismatched', -5_000n, 1);
    const b = await runWith(id, 'mismatched', -9_000n, 2);
    await finalizeRun(db(), b, 0n);
    await finalizeRun(db(), a, 0n);
    expect(await discrepancies(db(), id)).toEqual([
      expect.objectContaining({
        status: 'open',
        last_run_id: b,
        last_difference: '-9000',
        occurrences: 2,
      }),
    ]);
  });

  it('an older run finishing last does not reopen an acknowledged break over a newer observation; a newer one reopens it', async () => {
    const [id] = await createAccounts(db(), ['OVL-5']);
    const p = await runWith(id, 'mismatched', -5_000n, 0);
    await finalizeRun(db(), p, 0n);
    const [{ id: discrepancyId }] = await db().query(
      `SELECT id::text FROM discrepancies WHERE account_id = $1`,
      [id],
    );
    await discrepanciesRepository.setStatus(db(), discrepancyId, 'acknowledged', 'on it');
    // A (hourly) sees the break grown at t1; B (a re-check) sees it back at the acknowledged
    // difference at t2 and finishes first.
    const a = await runWith(id, 'mismatched', -900_000n, 1);
    const b = await runWith(id, 'mismatched', -5_000n, 2);
    await finalizeRun(db(), b, 0n);
    await finalizeRun(db(), a, 0n);
    expect(await discrepancies(db(), id)).toEqual([
      expect.objectContaining({ status: 'acknowledged', last_run_id: b, note: 'on it' }),
    ]);
    // C, newer still, sees it grown: reopened.
    const c = await runWith(id, 'mismatched', -900_000n, 3);
    await finalizeRun(db(), c, 0n);
    expect(await discrepancies(db(), id)).toEqual([
      expect.objectContaining({
        status: 'open',
        last_run_id: c,
        last_difference: '-900000',
        note: `on it\ndifference changed from -50.00 to -9000.00 in run ${c}; reopened`,
      }),
    ]);
  });

  it('runs one after the other still apply in turn: open, update, resolve', async () => {
    const [id] = await createAccounts(db(), ['OVL-4']);
    for (const [status, difference, minutes] of [
      ['mismatched', -5_000n, 0],
      ['mismatched', -7_000n, 1],
      ['matched', 0n, 2],
    ] as const) {
      await finalizeRun(db(), await runWith(id, status, difference, minutes), 0n);
    }
    expect(await discrepancies(db(), id)).toEqual([
      expect.objectContaining({ status: 'resolved', last_difference: '-7000', occurrences: 2 }),
    ]);
  });
});
