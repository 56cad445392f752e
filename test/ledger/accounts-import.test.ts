import { importAccounts, importAccountsCsv } from '@app/ledger';
import { DEFAULT_PROFILES } from '@app/snap';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { csv } from './ledger-helpers';

const HEADER = 'merchant_id,merchant_name,provider,account_no,currency,credential\n';

describe('accounts import', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: Awaited<ReturnType<typeof createTestDatabase>>['dataSource'];
  const accounts = async () =>
    (
      (await ds.query(
        `SELECT merchant_id, provider, account_no, currency, credential_set, enabled
           FROM provider_accounts ORDER BY provider, account_no`,
      )) as Record<string, unknown>[]
    ).map((a) => Object.values(a));
  const merchants = async () =>
    (
      (await ds.query(`SELECT id, name FROM merchants ORDER BY id`)) as {
        id: string;
        name: string;
      }[]
    ).map((m) => [m.id, m.name]);
  const brief = (rows: { line: number; field: string; value: string }[]) =>
    rows.map((r) => [r.line, r.field, r.value]);

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ds = db.dataSource;
  });
  afterAll(() => db.drop());

  const good =
    HEADER +
    'm1,Toko Satu,netzme,n-001,IDR,\n' +
    'm1,Toko Satu,finnet,f-001,IDR,fin_m1\n' +
    'm2,"Warung Dua, Cabang 2",nicepay,p-001,IDR,\n';

  it('creates merchants and accounts, and a re-import changes nothing', async () => {
    const first = await importAccountsCsv(ds, csv(good));
    expect(first).toEqual({
      rows: 3,
      imported: 3,
      duplicates: 0,
      merchantsCreated: 2,
      merchantsUpdated: 0,
      accountsCreated: 3,
      accountsUpdated: 0,
      rejectedCount: 0,
      rejectedTruncated: false,
      rejected: [],
    });
    expect(await merchants()).toEqual([
      ['m1', 'Toko Satu'],
      ['m2', 'Warung Dua, Cabang 2'],
    ]);
    const created = await accounts();
    expect(created).toEqual([
      ['m1', 'finnet', 'f-001', 'IDR', 'fin_m1', true],
      ['m1', 'netzme', 'n-001', 'IDR', null, true],
      ['m2', 'nicepay', 'p-001', 'IDR', null, true],
    ]);
    const [{ ids }] = await ds.query(
      `SELECT array_agg(id ORDER BY id)::text AS ids FROM provider_accounts`,
    );

    const again = await importAccountsCsv(ds, csv(good));
    expect(again).toMatchObject({
      rows: 3,
      imported: 0,
      duplicates: 3,
      merchantsCreated: 0,
      merchantsUpdated: 0,
    });
    expect(await accounts()).toEqual(created);
    const [{ ids: idsAfter }] = await ds.query(
      `SELECT array_agg(id ORDER BY id)::text AS ids FROM provider_accounts`,
    );
    expect(idsAfter).toBe(ids);
  });

  it('updates names and credential sets, keeps the stored set when the column is absent', async () => {
    const summary = await importAccountsCsv(
      ds,
      csv(
        HEADER +
          'm1,Toko Satu Baru,netzme,n-001,IDR,nz_m1\nm1,Toko Satu Baru,finnet,f-001,IDR,fin_m1\n',
      ),
    );
    expect(summary).toMatchObject({
      imported: 1,
      duplicates: 1,
      accountsUpdated: 1,
      merchantsUpdated: 1,
    });
    const noCredential = await importAccountsCsv(
      ds,
      csv(
        'merchant_id,merchant_name,provider,account_no,currency\nm1,Toko Satu Baru,netzme,n-001,IDR\n',
      ),
    );
    expect(noCredential).toMatchObject({ imported: 0, duplicates: 1, rejectedCount: 0 });
    expect((await accounts()).find((a) => a[2] === 'n-001')).toEqual([
      'm1',
      'netzme',
      'n-001',
      'IDR',
      'nz_m1',
      true,
    ]);
    expect(await merchants()).toContainEqual(['m1', 'Toko Satu Baru']);
  });

  it('reports each bad row with its line, field and value, and never re-homes an account', async () => {
    const before = await accounts();
    const text =
      HEADER + // 1
      'm3,Toko Tiga,netzme,n-003,IDR,\n' + // 2 ok
      'm3,Toko Tiga,ovo,o-003,IDR,\n' + // 3 provider
      'm3,Toko Tiga,netzme,n-004,idr,\n' + // 4 currency
      'm 3,Toko Tiga,netzme,n-005,IDR,\n' + // 5 merchant id
      'm3,,netzme,n-006,IDR,\n' + // 6 empty name
      'm3,Toko Tiga,netzme,n/007,IDR,\n' + // 7 account_no
      'm3,Toko Tiga,netzme,n-008,IDR,bad set\n' + // 8 credential
      'm2,Warung Dua,netzme,n-001,IDR,\n' + // 9 n-001 belongs to m1
      'm1,Toko Satu Baru,netzme,n-001,USD,nz_m1\n' + // 10 currency (and a change of it)
      'm4,Toko Empat,netzme,n-003,IDR,\n' + // 11 n-003 given to m3 on line 2
      'm3,Toko Tiga,netzme,n-009\n' + // 12 missing columns
      'm3,Toko Tiga,netzme,n-010,IDR,,x\n'; // 13 extra field
    const summary = await importAccountsCsv(ds, csv(text));
    expect(brief(summary.rejected)).toEqual([
      [3, 'provider', 'ovo'],
      [4, 'currency', 'idr'],
      [5, 'merchant_id', 'm 3'],
      [6, 'merchant_name', ''],
      [7, 'account_no', 'n/007'],
      [8, 'credential', 'bad set'],
      [9, 'merchant_id', 'm2'],
      [10, 'currency', 'USD'],
      [11, 'merchant_id', 'm4'],
      [12, 'currency', ''],
      [13, '(row)', 'm3,Toko Tiga,netzme,n-010,IDR,,x'],
    ]);
    expect(summary).toMatchObject({
      rows: 12,
      imported: 1,
      duplicates: 0,
      rejectedCount: 11,
      merchantsCreated: 1,
    });
    const byLine = new Map(summary.rejected.map((r) => [r.line, r]));
    expect(byLine.get(3)!.message).toBe(
      'line 3, provider "ovo": must be one of netzme, nicepay, finnet, midtrans',
    );
    expect(byLine.get(4)!.reason).toBe('must be three upper-case letters, like IDR');
    expect(byLine.get(9)!.message).toBe(
      'line 9, merchant_id "m2": account netzme/n-001 already belongs to merchant m1; moving an account to another merchant is refused',
    );
    // Only IDR is reconciled (the pages' one currency): refused before it could re-denominate.
    expect(byLine.get(10)!.reason).toBe(
      "only IDR is reconciled: every provider's page shows IDR balances, and a run's totals and the pages are in rupiah",
    );
    expect(byLine.get(11)!.reason).toBe(
      'account netzme/n-003 is given to merchant m3 by an earlier row; moving an account to another merchant is refused',
    );
    expect(byLine.get(12)!.reason).toBe('is missing: the row has 4 fields, the header 6');
    // Only line 2 was applied; m4 (whose only row was refused) was not created.
    expect(await accounts()).toEqual(
      [...before, ['m3', 'netzme', 'n-003', 'IDR', null, true]].sort((a, b) =>
        `${a[1]}/${a[2]}` < `${b[1]}/${b[2]}` ? -1 : 1,
      ),
    );
    expect((await merchants()).map((m) => m[0])).toEqual(['m1', 'm2', 'm3']);
  });

  it('a merchant named otherwise by a later row of the file: that row is reported, the first name kept (found by a new-user tester: the last name won silently)', async () => {
    const summary = await importAccountsCsv(
      ds,
      csv(HEADER + 'nu1,Toko Nu,netzme,nu-001,IDR,\n' + 'nu1,Toko Renamed,netzme,nu-009,IDR,\n'),
    );
    expect(summary.rejected.map((r) => r.message)).toEqual([
      'line 3, merchant_name "Toko Renamed": merchant nu1 is named "Toko Nu" by an earlier row; one merchant has one name',
    ]);
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expect((await merchants()).find((m) => m[0] === 'nu1')).toEqual(['nu1', 'Toko Nu']);
    // The same across the import's batches (a file of more than 2,000 rows; found by a reviewer).
    const batched = await importAccountsCsv(
      ds,
      csv(HEADER + 'nu2,Toko Dua,netzme,nu-201,IDR,\n' + 'nu2,Toko Lain,netzme,nu-202,IDR,\n'),
      { batchSize: 1 },
    );
    expect(batched.rejected.map((r) => [r.line, r.field])).toEqual([[3, 'merchant_name']]);
    expect((await merchants()).find((m) => m[0] === 'nu2')).toEqual(['nu2', 'Toko Dua']);
  });

  it('names every bad field of a row in one report, as the ledger CSV does (it named the first only: an operator fixed a row once per field)', async () => {
    const id = 'must be 1 to 64 letters, digits, ".", "_" or "-"';
    const currency = 'must be three upper-case letters, like IDR';
    const max = DEFAULT_PROFILES.nicepay.requestFieldMaxLength;
    const longNo = 'N'.repeat(max.accountNo! + 1);
    const longSeller = 'S'.repeat(max.msId! + 1);
    const text =
      `${HEADER.trimEnd()},ms_id\n` + // 1
      'af1,Toko AF,netzme,af-505,IDR,,\n' + // 2 ok
      'af 1,Toko AF,ovo,af-506,idr,,\n' + // 3 merchant id, provider, currency
      'af1,Toko AF,netzme,af-507,IDRX,,SELLER-1\n' + // 4 currency, a seller Netzme cannot name
      'af1,Toko Lain,netzme,af/508,IDR,,\n' + // 5 another name for af1, account_no
      `af3,Toko AF3,nicepay,${longNo},IDR,,${longSeller}\n`; // 6 both longer than NICEPay allows
    const summary = await importAccountsCsv(ds, csv(text));
    expect(summary.rejected.map((r) => r.message)).toEqual([
      `line 3, merchant_id "af 1": ${id}; also provider "ovo": must be one of netzme, nicepay, finnet, midtrans; also currency "idr": ${currency}`,
      `line 4, currency "IDRX": ${currency}; also ms_id "SELLER-1": is a seller id, and netzme knows no sellers: its balance request names none (providers with sellers: nicepay)`,
      `line 5, merchant_name "Toko Lain": merchant af1 is named "Toko AF" by an earlier row; one merchant has one name; also account_no "af/508": ${id}`,
      `line 6, account_no "${longNo}": is ${longNo.length} characters; nicepay's balance request allows at most ${max.accountNo}; also ms_id "${longSeller}": is ${longSeller.length} characters; nicepay's balance request allows at most ${max.msId}`,
    ]);
    expect(brief(summary.rejected)).toEqual([
      [3, 'merchant_id', 'af 1'],
      [4, 'currency', 'IDRX'],
      [5, 'merchant_name', 'Toko Lain'],
      [6, 'account_no', longNo],
    ]);
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 4 });

    // importAccounts (no CSV) lists the other bad fields by row field.
    const result = await importAccounts(ds, [
      {
        merchantId: 'af2',
        merchantName: '',
        provider: 'netzme',
        accountNo: 'af 2',
        currency: 'IDR',
      },
    ]);
    expect(result.errors).toEqual([
      {
        index: 0,
        field: 'merchantName',
        value: '',
        reason: expect.any(String),
        also: [{ field: 'accountNo', value: 'af 2', reason: id }],
      },
    ]);
  });

  it('refuses a header with other column names', async () => {
    const summary = await importAccountsCsv(
      ds,
      csv('merchant,merchant_name,provider,account_no,currency\nm9,X,netzme,n-9,IDR\n'),
    );
    expect(brief(summary.rejected)).toEqual([
      [1, '(header)', 'merchant,merchant_name,provider,account_no,currency'],
    ]);
    expect(summary.rejected[0].reason).toBe(
      'the header must be exactly merchant_id,merchant_name,provider,account_no,currency[,credential][,ms_id][,expected_provider_name]',
    );
    expect((await merchants()).map((m) => m[0])).not.toContain('m9');
  });

  it('refuses a Finnet account left without a credential set (Finnet knows a merchant by its own credentials), new or cleared; a re-import without the column keeps the set', async () => {
    const text =
      'merchant_id,merchant_name,provider,account_no,currency,credential\n' + // 1
      'm6,Toko Enam,finnet,f-601,IDR,\n' + // 2 new, no set
      'm6,Toko Enam,finnet,f-602,IDR,fin_m6\n' + // 3 ok
      'm6,Toko Enam,finnet,f-602,IDR,\n' + // 4 would clear the set
      'm6,Toko Enam,netzme,n-601,IDR,\n'; // 5 ok: Netzme knows an account by its number
    const summary = await importAccountsCsv(ds, csv(text));
    const reason =
      "finnet knows an account by its credential set (the merchant's own credentials): name the account's set, or every run would be an error for it";
    expect(summary.rejected.map((r) => r.message)).toEqual([
      `line 2, credential "": ${reason}`,
      `line 4, credential "": ${reason}`,
    ]);
    const again = await importAccountsCsv(
      ds,
      csv(
        'merchant_id,merchant_name,provider,account_no,currency\nm6,Toko Enam,finnet,f-602,IDR\n',
      ),
    );
    expect(again).toMatchObject({ rejectedCount: 0, accountsCreated: 0, accountsUpdated: 0 });
    expect((await accounts()).find((a) => a[2] === 'f-602')![4]).toBe('fin_m6');
    expect((await accounts()).find((a) => a[2] === 'f-601')).toBeUndefined();
  });

  it('importAccounts: honours enabled, reports errors by index and field', async () => {
    const result = await importAccounts(ds, [
      {
        merchantId: 'm5',
        merchantName: 'Lima',
        provider: 'finnet',
        accountNo: 'f-005',
        currency: 'IDR',
        credentialSet: 'fin_m5',
        enabled: false,
      },
      {
        merchantId: 'm5',
        merchantName: 'Lima',
        provider: 'finnet',
        accountNo: 'f-005',
        currency: 'IDR',
        credentialSet: 'fin_m5',
        enabled: true,
      },
      {
        merchantId: 'm5',
        merchantName: 'Lima',
        provider: 'finnet',
        accountNo: 'f-006',
        currency: 'IDRX',
        credentialSet: 'fin_m5',
      },
    ]);
    expect(result).toEqual({
      merchantsCreated: 1,
      merchantsUpdated: 0,
      accountsCreated: 1,
      accountsUpdated: 1,
      accountsUnchanged: 0,
      errors: [
        {
          index: 2,
          field: 'currency',
          value: 'IDRX',
          reason: 'must be three upper-case letters, like IDR',
        },
      ],
    });
    expect((await accounts()).find((a) => a[2] === 'f-005')).toEqual([
      'm5',
      'finnet',
      'f-005',
      'IDR',
      'fin_m5',
      true,
    ]);
    const disable = await importAccounts(ds, [
      {
        merchantId: 'm5',
        merchantName: 'Lima',
        provider: 'finnet',
        accountNo: 'f-005',
        currency: 'IDR',
        credentialSet: 'fin_m5',
        enabled: false,
      },
    ]);
    expect(disable).toMatchObject({ accountsUpdated: 1, accountsCreated: 0, errors: [] });
    expect((await accounts()).find((a) => a[2] === 'f-005')![5]).toBe(false);
  });

  it("importAccounts: with the deployment's credential sets, refuses a set its provider lacks, naming the sets it has", async () => {
    const row = (accountNo: string, credentialSet: string, provider = 'finnet') => ({
      merchantId: 'm7',
      merchantName: 'Tujuh',
      provider,
      accountNo,
      currency: 'IDR',
      credentialSet,
    });
    const many = Array.from({ length: 7 }, (_, i) => `fin_s${i}`);
    const credentialSets = new Map([
      ['finnet', new Set(['fin_m7', ...many])],
      ['nicepay', new Set(['np_a'])],
    ]);
    const result = await importAccounts(
      ds,
      [
        row('f-701', 'fin_m7'),
        row('f-702', 'fin_m8'),
        row('p-701', 'np_b', 'nicepay'),
        row('n-701', 'nz_a', 'netzme'),
        row('x-701', 'fin_m8', 'paypal'),
      ],
      { credentialSets },
    );
    const refusal = (what: string) => `no ${what}; every run would be an error for the account`;
    expect(result.accountsCreated).toBe(1);
    expect(result.errors).toEqual([
      {
        index: 1,
        field: 'credentialSet',
        value: 'fin_m8',
        reason: refusal(
          'finnet credential set of that name in SNAP_CREDENTIALS_FILE (it names 8 finnet sets, e.g. fin_m7, fin_s0, fin_s1, fin_s2, fin_s3)',
        ),
      },
      {
        index: 2,
        field: 'credentialSet',
        value: 'np_b',
        reason: refusal(
          'nicepay credential set of that name in SNAP_CREDENTIALS_FILE (its nicepay sets: np_a)',
        ),
      },
      {
        index: 3,
        field: 'credentialSet',
        value: 'nz_a',
        reason: refusal(
          'netzme credential set of that name in SNAP_CREDENTIALS_FILE (it names none for netzme)',
        ),
      },
      // An unknown provider is the row's problem; its set is not measured against nothing.
      expect.objectContaining({ index: 4, field: 'provider', value: 'paypal' }),
    ]);
    expect(result.errors[3]).not.toHaveProperty('also');
    expect((await accounts()).filter((a) => a[0] === 'm7').map((a) => a[2])).toEqual(['f-701']);
  });
});
