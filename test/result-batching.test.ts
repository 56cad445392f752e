import { DataSource } from 'typeorm';
import { createRun, saveResult, jobStart, AccountResult } from '@app/reconciliation';
import { createTestDatabase } from './support/test-database';
import { testConfig } from './support/test-config';

/**
 * saveResult and jobStart batch concurrent calls into one statement: the semantics must
 * stay those of one statement per call (exactly one final result per (run, account), the
 * counter bumped once per account, one caller told the run finished, failures per call).
 */
test('concurrent saves are batched and keep exactly-once semantics', async () => {
  const config = testConfig();
  const db = await createTestDatabase(config);
  const ds: DataSource = db.dataSource;
  try {
    await ds.query(`INSERT INTO merchants (id, name) VALUES ('m', 'm')`);
    await ds.query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no) SELECT 'm', 'netzme', 'a' || g FROM generate_series(1, 500) g`,
    );
    const run = await createRun(ds, 'cli');
    const ids: { id: string }[] = await ds.query(`SELECT id FROM provider_accounts ORDER BY id`);
    const mk = (accountId: string, final: boolean, attempts = 1): AccountResult => ({
      runId: run.runId,
      accountId,
      status: final ? 'matched' : 'timing',
      final,
      providerBalance: 1n,
      ledgerBalance: 1n,
      difference: 0n,
      inFlightAmount: null,
      currency: 'IDR',
      responseCode: '2001100',
      attempts,
      providerTime: null,
      asOf: new Date(),
      externalId: 'x',
      errorMessage: null,
    });
    const calls: Promise<{ written: boolean; runFinished: boolean }>[] = [];
    for (const { id } of ids) {
      calls.push(saveResult(ds, mk(String(id), false), 0n));
      calls.push(saveResult(ds, mk(String(id), true), 0n));
      calls.push(saveResult(ds, mk(String(id), true, 2), 0n));
    }
    // One bad row (unknown account) fails alone; the others of its statement are written.
    const bad = saveResult(ds, mk('999999', true), 0n).then(
      () => 'ok',
      (e) => 'failed: ' + (e as Error).message,
    );
    const outs = await Promise.all(calls);
    expect(await bad).toMatch(/failed/);
    expect(outs.filter((o) => o.runFinished)).toHaveLength(1);
    // Per account, in call order: timing written, first final written, second final refused.
    for (let i = 0; i < ids.length; i++) {
      expect([outs[3 * i].written, outs[3 * i + 1].written, outs[3 * i + 2].written]).toEqual([
        true,
        true,
        false,
      ]);
    }
    const [r] = await ds.query(
      `SELECT status, completed_count, account_count FROM reconciliation_runs WHERE id = $1`,
      [run.runId],
    );
    expect(r).toEqual({ status: 'finished', completed_count: 500, account_count: 500 });
    const [{ n }] = await ds.query(
      `SELECT count(*)::int n FROM reconciliation_results WHERE attempts = 1 AND is_final`,
    );
    expect(n).toBe(500);
    const starts = await Promise.all(
      [...ids.slice(0, 3).map(({ id }) => String(id)), '999999'].map((id) =>
        jobStart(ds, run.runId, id),
      ),
    );
    expect(starts.map((s) => [s.account?.id, s.hasFinalResult])).toEqual([
      ...ids.slice(0, 3).map(({ id }) => [String(id), true]),
      [undefined, false],
    ]);
  } finally {
    await db.drop();
  }
});
