import { importLedgerCsv, ingestLedgerBatch, validateLedgerBatch } from '@app/ledger';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { createAccount, csv } from './ledger-helpers';

/** Issue 15: a ledger entry may carry the provider's transaction id (`provider_ref`). */
describe('ledger entries carry an optional provider_ref (CSV and POST /ledger/entries)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let acc: string;
  const refsOf = async (): Promise<[string, string | null][]> =>
    (
      await db.dataSource.query(
        `SELECT entry_ref, provider_ref FROM ledger_entries WHERE account_id = $1 ORDER BY entry_ref`,
        [acc],
      )
    ).map((r: { entry_ref: string; provider_ref: string | null }) => [r.entry_ref, r.provider_ref]);

  beforeAll(async () => {
    db = await createTestDatabase(testConfig());
    acc = await createAccount(db.dataSource, 'REF1', 'netzme');
  });
  afterAll(() => db.drop());

  it('the CSV takes an optional provider_ref column; an empty cell is none; a file without it still imports', async () => {
    const withRef = await importLedgerCsv(
      db.dataSource,
      csv(
        'provider,account_no,entry_ref,amount,posted_at,provider_ref\n' +
          'netzme,REF1,c1,10.00,2026-11-21T10:00:00Z,TRX-1\n' +
          'netzme,REF1,c2,5.00,2026-11-21T10:01:00Z,\n' +
          'netzme,REF1,c3,5.00,2026-11-21T10:02:00Z,bad\u0001ref\n',
      ),
    );
    expect(withRef).toMatchObject({ imported: 2, rejectedCount: 1 });
    expect(withRef.rejected[0]).toMatchObject({ line: 4, field: 'provider_ref' });
    const without = await importLedgerCsv(
      db.dataSource,
      csv(
        'provider,account_no,entry_ref,amount,posted_at\nnetzme,REF1,c4,1.00,2026-11-21T10:03:00Z\n',
      ),
    );
    expect(without).toMatchObject({ imported: 1, rejectedCount: 0 });
    expect(await refsOf()).toEqual([
      ['c1', 'TRX-1'],
      ['c2', null],
      ['c4', null],
    ]);
  });

  it('the API batch takes providerRef optionally and names a bad one', async () => {
    const bad = validateLedgerBatch({
      entries: [
        {
          provider: 'netzme',
          accountNo: 'REF1',
          entryRef: 'a1',
          amount: '1.00',
          postedAt: '2026-11-21T11:00:00Z',
          providerRef: 7,
        },
      ],
    });
    expect(bad).toMatchObject({ ok: false, errors: [{ index: 0, field: 'providerRef' }] });
    const good = validateLedgerBatch({
      entries: [
        {
          provider: 'netzme',
          accountNo: 'REF1',
          entryRef: 'a1',
          amount: '1.00',
          postedAt: '2026-11-21T11:00:00Z',
          providerRef: 'TRX-9',
        },
        {
          provider: 'netzme',
          accountNo: 'REF1',
          entryRef: 'a2',
          amount: '2.00',
          postedAt: '2026-11-21T11:01:00Z',
          // null is absent: the API's results give msId null for a merchant's own account (a
          // tester's 400 "must be a string").
          msId: null,
          providerRef: null,
        },
      ],
    });
    expect(good.ok).toBe(true);
    if (!good.ok) return;
    const outcome = await ingestLedgerBatch(db.dataSource, good.entries);
    expect(outcome).toMatchObject({ ok: true, inserted: 2 });
    expect((await refsOf()).filter(([r]) => r.startsWith('a'))).toEqual([
      ['a1', 'TRX-9'],
      ['a2', null],
    ]);
  });
});
