import {
  importAccountsCsv,
  importLedgerCsv,
  ingestLedgerBatch,
  validateLedgerBatch,
} from '@app/ledger';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { csv, entriesOf } from './ledger-helpers';

/**
 * NICEPay's balance inquiry names the merchant by `accountNo` ("Merchant identifier that is
 * unique per each Merchant") and a seller under it by `additionalInfo.msId` ("Merchant Seller
 * ID"): a marketplace's sellers share one account number. Each seller, and the merchant itself,
 * is an account of its own with its own ledger, from the accounts CSV to the ledger imports.
 */
describe('NICEPay sellers are accounts of their own (imports, real Postgres)', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: Awaited<ReturnType<typeof createTestDatabase>>['dataSource'];
  const idOf = async (msId: string | null) => {
    const rows: { id: string }[] = await ds.query(
      `SELECT id FROM provider_accounts WHERE provider = 'nicepay' AND account_no = 'IONPAYTEST'
          AND ms_id IS NOT DISTINCT FROM $1`,
      [msId],
    );
    expect(rows).toHaveLength(1);
    return String(rows[0].id);
  };

  /** A valid API batch's entries (a test error, naming the problems, otherwise). */
  const parse = (body: unknown) => {
    const v = validateLedgerBatch(body);
    if (!v.ok) throw new Error(JSON.stringify(v.errors));
    return v.entries;
  };

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ds = db.dataSource;
  });
  afterAll(() => db.drop());

  const ACCOUNTS =
    'merchant_id,merchant_name,provider,account_no,currency,ms_id\n' +
    'mkt,Marketplace,nicepay,IONPAYTEST,IDR,\n' +
    'seller-a,Toko A,nicepay,IONPAYTEST,IDR,SELLER-A\n' +
    'seller-b,Toko B,nicepay,IONPAYTEST,IDR,SELLER-B\n';

  it('the accounts CSV creates the merchant and two sellers under one account number; a re-import changes nothing', async () => {
    expect(await importAccountsCsv(ds, csv(ACCOUNTS))).toMatchObject({
      rows: 3,
      accountsCreated: 3,
      accountsUpdated: 0,
      rejectedCount: 0,
    });
    const rows = await ds.query(
      `SELECT merchant_id, ms_id FROM provider_accounts WHERE account_no = 'IONPAYTEST' ORDER BY ms_id NULLS FIRST`,
    );
    expect(rows).toEqual([
      { merchant_id: 'mkt', ms_id: null },
      { merchant_id: 'seller-a', ms_id: 'SELLER-A' },
      { merchant_id: 'seller-b', ms_id: 'SELLER-B' },
    ]);
    expect(await importAccountsCsv(ds, csv(ACCOUNTS))).toMatchObject({
      accountsCreated: 0,
      accountsUpdated: 0,
      duplicates: 3,
    });
  });

  it("a seller row under another merchant is refused naming the seller's account, not the parent's", async () => {
    const summary = await importAccountsCsv(
      ds,
      csv(
        'merchant_id,merchant_name,provider,account_no,currency,ms_id\n' +
          'intruder,Intruder,nicepay,IONPAYTEST,IDR,SELLER-A\n',
      ),
    );
    expect(summary.rejected).toEqual([
      expect.objectContaining({
        line: 2,
        field: 'merchant_id',
        value: 'intruder',
        reason: expect.stringContaining(
          'account nicepay/IONPAYTEST/SELLER-A already belongs to merchant seller-a',
        ),
      }),
    ]);
  });

  it("the ledger CSV's ms_id column posts to the seller's ledger; without it, to the merchant's; an unknown seller is refused", async () => {
    const summary = await importLedgerCsv(
      ds,
      csv(
        'provider,account_no,entry_ref,amount,posted_at,ms_id\n' +
          'nicepay,IONPAYTEST,e1,100.00,2026-11-21T10:00:00Z,\n' +
          'nicepay,IONPAYTEST,e1,200.00,2026-11-21T10:00:00Z,SELLER-A\n' +
          'nicepay,IONPAYTEST,e1,300.00,2026-11-21T10:00:00Z,SELLER-B\n' +
          'nicepay,IONPAYTEST,e1,400.00,2026-11-21T10:00:00Z,SELLER-Z\n' +
          'nicepay,IONPAYTEST,e2,1.00,2026-11-21T10:00:00Z,bad seller\n',
      ),
    );
    expect(summary).toMatchObject({ rows: 5, imported: 3, rejectedCount: 2 });
    expect(summary.rejected.map((r) => [r.line, r.field, r.value, r.reason])).toEqual([
      [
        5,
        'ms_id',
        'SELLER-Z',
        'no provider account nicepay/IONPAYTEST/SELLER-Z; import it with the accounts CSV first',
      ],
      [6, 'ms_id', 'bad seller', 'must be 1 to 64 letters, digits, ".", "_" or "-"'],
    ]);
    const amounts = async (msId: string | null) =>
      (await entriesOf(ds, await idOf(msId))).map((e) => e.amount);
    expect(await amounts(null)).toEqual([10000n]);
    expect(await amounts('SELLER-A')).toEqual([20000n]);
    expect(await amounts('SELLER-B')).toEqual([30000n]);
  });

  it('a ledger file may give both optional columns, provider_ref then ms_id', async () => {
    const summary = await importLedgerCsv(
      ds,
      csv(
        'provider,account_no,entry_ref,amount,posted_at,provider_ref,ms_id\n' +
          'nicepay,IONPAYTEST,both-1,3.00,2026-11-21T12:00:00Z,NP-TX-1,SELLER-A\n',
      ),
    );
    expect(summary).toMatchObject({ rows: 1, imported: 1, rejectedCount: 0 });
    const [row] = await ds.query(
      `SELECT e.provider_ref, a.ms_id FROM ledger_entries e JOIN provider_accounts a ON a.id = e.account_id
        WHERE e.entry_ref = 'both-1'`,
    );
    expect(row).toEqual({ provider_ref: 'NP-TX-1', ms_id: 'SELLER-A' });
  });

  it('an account number with only sellers: a file without ms_id creates no merchant account, and a ledger row without one is told the sellers', async () => {
    expect(
      await importAccountsCsv(
        ds,
        csv(
          'merchant_id,merchant_name,provider,account_no,currency,ms_id\n' +
            'seller-c,Toko C,nicepay,MKT2,IDR,SELLER-C\n' +
            'seller-d,Toko D,nicepay,MKT2,IDR,SELLER-D\n',
        ),
      ),
    ).toMatchObject({ accountsCreated: 2, rejectedCount: 0 });
    // A file from before sellers were accounts names the account number alone.
    const old = await importAccountsCsv(
      ds,
      csv(
        'merchant_id,merchant_name,provider,account_no,currency\nmkt2,Market 2,nicepay,MKT2,IDR\n',
      ),
    );
    expect(old).toMatchObject({ accountsCreated: 0, rejectedCount: 1 });
    expect(old.rejected[0]).toMatchObject({
      line: 2,
      field: 'ms_id',
      value: '',
      reason:
        "account nicepay/MKT2 has sellers (SELLER-C, SELLER-D) and no account of its own: name the seller in ms_id, or leave the ms_id cell empty to add the merchant's own account",
    });
    const ledger = await importLedgerCsv(
      ds,
      csv(
        'provider,account_no,entry_ref,amount,posted_at\n' +
          'nicepay,MKT2,m2-1,1.00,2026-11-21T10:00:00Z\n',
      ),
    );
    expect(ledger.rejected.map((r) => [r.field, r.value, r.reason])).toEqual([
      [
        'account_no',
        'MKT2',
        'no provider account nicepay/MKT2 of the merchant itself; its sellers are SELLER-C, SELLER-D: name one in ms_id; import it with the accounts CSV first',
      ],
    ]);
    // An explicit empty cell adds the merchant's own account beside its sellers.
    expect(
      await importAccountsCsv(
        ds,
        csv(
          'merchant_id,merchant_name,provider,account_no,currency,ms_id\nmkt2,Market 2,nicepay,MKT2,IDR,\n',
        ),
      ),
    ).toMatchObject({ accountsCreated: 1, rejectedCount: 0 });
  });

  it('a marketplace with many sellers: the hint names the first five and counts the rest (a bounded message)', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `BIG-${i + 1}`);
    await importAccountsCsv(
      ds,
      csv(
        'merchant_id,merchant_name,provider,account_no,currency,ms_id\n' +
          ids.map((id) => `${id},Toko ${id},nicepay,MKT3,IDR,${id}\n`).join(''),
      ),
    );
    const entries = parse({
      entries: Array.from({ length: 3 }, (_, i) => ({
        provider: 'nicepay',
        accountNo: 'MKT3',
        entryRef: `m3-${i}`,
        amount: '1.00',
        postedAt: '2026-11-21T10:00:00Z',
      })),
    });
    const outcome = await ingestLedgerBatch(ds, entries);
    const expected =
      'no provider account nicepay/MKT3 of the merchant itself; its sellers are BIG-1, BIG-2, BIG-3, BIG-4, BIG-5 and 2 more: name one in msId';
    expect(outcome).toEqual({
      ok: false,
      errors: [0, 1, 2].map((index) =>
        expect.objectContaining({ index, field: 'accountNo', value: 'MKT3', reason: expected }),
      ),
    });
  });

  it('optional columns may be left out but not reordered', async () => {
    const summary = await importLedgerCsv(
      ds,
      csv(
        'provider,account_no,entry_ref,amount,posted_at,ms_id,provider_ref\n' +
          'nicepay,IONPAYTEST,e9,1.00,2026-11-21T10:00:00Z,SELLER-A,\n',
      ),
    );
    expect(summary).toMatchObject({ rows: 0, imported: 0, rejectedCount: 1 });
    expect(summary.rejected[0]).toMatchObject({ line: 1, field: '(header)' });
  });

  it("the ledger API's msId posts to the seller's ledger, all or nothing; an unknown seller is an unknown_account", async () => {
    const entry = (msId: string | undefined, amount: string) => ({
      provider: 'nicepay',
      accountNo: 'IONPAYTEST',
      ...(msId === undefined ? {} : { msId }),
      entryRef: 'api-1',
      amount,
      postedAt: '2026-11-21T11:00:00Z',
    });
    // One reference per account: the same entryRef under the merchant and a seller is two entries.
    expect(
      await ingestLedgerBatch(
        ds,
        parse({ entries: [entry(undefined, '5.00'), entry('SELLER-B', '7.00')] }),
      ),
    ).toEqual({ ok: true, inserted: 2, duplicates: 0 });
    expect((await entriesOf(ds, await idOf('SELLER-B'))).map((e) => e.amount)).toEqual([
      30000n,
      700n,
    ]);
    expect((await entriesOf(ds, await idOf(null))).map((e) => e.amount)).toEqual([10000n, 500n]);

    const unknown = await ingestLedgerBatch(ds, parse({ entries: [entry('SELLER-Z', '1.00')] }));
    expect(unknown).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({
          index: 0,
          field: 'msId',
          value: 'SELLER-Z',
          reason: 'no provider account nicepay/IONPAYTEST/SELLER-Z',
        }),
      ],
    });
    const invalid = validateLedgerBatch({ entries: [entry('', '1.00')] });
    expect(invalid).toEqual({
      ok: false,
      errors: [expect.objectContaining({ index: 0, field: 'msId', value: '' })],
    });
  });
});
