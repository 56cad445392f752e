import { RunsService } from '@app/reconciliation';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

/** Issue 15: the demo scenario's Netzme breaks come out explained from the provider history. */
describe('demo scenario: Netzme breaks are explained', () => {
  let pipeline: Pipeline;
  let runId: string;

  beforeAll(async () => {
    pipeline = await startPipeline(testConfig(), { accountCount: 60 });
    const started = await pipeline.producer.get(RunsService).start('api');
    runId = (await pipeline.waitForRun(started.runId, 90_000)).id;
  }, 120_000);
  afterAll(() => pipeline.close());

  /** The Netzme accounts of one scenario kind (at least one). */
  const netzmeOfKind = (kind: string) => {
    const accounts = pipeline.scenario.filter((a) => a.provider === 'netzme' && a.kind === kind);
    expect(accounts.length).toBeGreaterThan(0);
    return accounts;
  };

  /** The account's result in the run: its status and stored attribution. */
  async function resultOf(accountNo: string): Promise<{
    status: string;
    attribution: {
      remainder: string;
      summary: string;
      providerOnly: { providerRef: string }[];
      ledgerOnly: { entryRef: string }[];
      matchedCount: number;
    };
  }> {
    const [row] = await pipeline.db.dataSource.query(
      `SELECT r.status, r.attribution FROM reconciliation_results r JOIN provider_accounts p ON p.id = r.account_id
          WHERE r.run_id = $1 AND p.account_no = $2`,
      [runId, accountNo],
    );
    return row;
  }

  it('every Netzme real break has remainder 0 and the unbooked movement listed', async () => {
    for (const a of netzmeOfKind('real-break')) {
      const row = await resultOf(a.accountNo);
      expect(row.status).toBe('mismatched');
      expect(row.attribution.remainder).toBe('0.00');
      expect(row.attribution.summary).toMatch(/^explained: 1 provider-only (credit|debit)/);
      expect(row.attribution.providerOnly.map((e) => e.providerRef)).toEqual([
        `${a.merchantId}-TRX-UNBOOKED`,
      ]);
      expect(row.attribution.matchedCount).toBe(a.ledger.length);
    }
  });

  it('the inactive (blocked) Netzme account is explained by the withdrawal of its whole balance', async () => {
    // Found after inactive breaks were attributed: with no history, every ledger entry was
    // listed as ledger-only, which no person would recognise.
    for (const a of netzmeOfKind('inactive')) {
      const row = await resultOf(a.accountNo);
      expect(row.status).toBe('inactive');
      expect(row.attribution.remainder).toBe('0.00');
      expect(row.attribution.summary).toMatch(/^explained: 1 provider-only debit/);
      expect(row.attribution.providerOnly.map((e) => e.providerRef)).toEqual([
        `${a.merchantId}-TRX-UNBOOKED`,
      ]);
      expect(row.attribution.matchedCount).toBe(a.ledger.length);
    }
  });

  it('every Netzme stuck in-flight entry is named as the one entry the provider never booked', async () => {
    // Found by a new-user tester: with no history at all, every ledger entry was "ledger-only"
    // and the remainder the whole balance.
    for (const a of netzmeOfKind('in-flight-stuck')) {
      const row = await resultOf(a.accountNo);
      expect(row.status).toBe('mismatched');
      expect(row.attribution.remainder).toBe('0.00');
      expect(row.attribution.summary).toMatch(/^explained: 1 ledger-only entry -/);
      expect(row.attribution.ledgerOnly.map((e) => e.entryRef)).toEqual([
        `${a.merchantId}-inflight`,
      ]);
    }
  });
});
