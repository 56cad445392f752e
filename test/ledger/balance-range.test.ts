import {
  appendLedgerEntries,
  importLedgerCsv,
  ingestLedgerBatch,
  validateLedgerBatch,
} from '@app/ledger';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { createAccount, csv, ledgerRows, newEntry, wrongBalances } from './ledger-helpers';

/**
 * `balance_after` is a Postgres bigint of minor units while an amount may have 16 integer
 * digits: a running balance can leave the range. Such an entry is refused by name (row or
 * index, `amount`, value, reason) and nothing else is lost.
 */
/** Postgres bigint: the largest running balance, either sign, in minor units. */
const MAX_LEDGER_BALANCE = 2n ** 63n - 1n;

describe('running balances beyond bigint', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: Awaited<ReturnType<typeof createTestDatabase>>['dataSource'];
  let n = 0;
  const account = () => createAccount(ds, `br${++n}`);
  const e = newEntry;
  const ledger = (accountId: string) => ledgerRows(ds, accountId);
  const LIMIT = 'beyond what the ledger can hold (±92233720368547758.07)';
  const BIG = '9999999999999999.99'; // the largest CSV / API amount: 999999999999999999 minor units
  const BIG_MINOR = 999999999999999999n;

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ds = db.dataSource;
  });
  afterAll(() => db.drop());

  it('CSV: imports the other accounts and the rows that fit, lists each overflowing row by line, field and value', async () => {
    const dup = await createAccount(ds, 'NZDUP1');
    const bom = await createAccount(ds, 'NZBOM1');
    const at = (minute: number) => `2026-11-21T10:${String(minute).padStart(2, '0')}:00Z`;
    const lines = ['provider,account_no,entry_ref,amount,posted_at'];
    lines.push(`netzme,NZDUP1,d1,10.00,${at(0)}`); // line 2
    for (let i = 1; i <= 11; i++) lines.push(`netzme,NZBOM1,b${i},${BIG},${at(i)}`); // lines 3-13
    lines.push(`netzme,NZBOM1,b-debit,-1.00,${at(20)}`); // line 14
    lines.push(`netzme,NZDUP1,d2,-2.50,${at(30)}`); // line 15
    const text = lines.join('\n') + '\n';

    const summary = await importLedgerCsv(ds, csv(text));
    const reason = `the account's running balance would be 99999999999999999.90, ${LIMIT}`;
    expect(summary).toEqual({
      rows: 14,
      imported: 12,
      duplicates: 0,
      rejectedCount: 2,
      rejectedTruncated: false,
      rejected: [
        {
          line: 12,
          field: 'amount',
          value: BIG,
          reason,
          message: `line 12, amount "${BIG}": ${reason}`,
        },
        {
          line: 13,
          field: 'amount',
          value: BIG,
          reason,
          message: `line 13, amount "${BIG}": ${reason}`,
        },
      ],
    });
    expect(await ledger(dup)).toEqual([
      ['d1', 1000n, 1000n],
      ['d2', -250n, 750n],
    ]);
    // Nine fit (8999999999999999991); the tenth and eleventh would not; the debit after them
    // is judged without them.
    const boms = await ledger(bom);
    expect(boms.map((r) => r[0])).toEqual([
      'b1',
      'b2',
      'b3',
      'b4',
      'b5',
      'b6',
      'b7',
      'b8',
      'b9',
      'b-debit',
    ]);
    expect(boms[8][2]).toBe(9n * BIG_MINOR);
    expect(boms[9][2]).toBe(9n * BIG_MINOR - 100n);
    expect(await wrongBalances(ds)).toEqual([]);

    // Importing the file again stores nothing and refuses the same rows.
    const again = await importLedgerCsv(ds, csv(text));
    expect(again).toMatchObject({ rows: 14, imported: 0, duplicates: 12, rejectedCount: 2 });
    expect(again.rejected.map((r) => [r.line, r.field, r.value])).toEqual([
      [12, 'amount', BIG],
      [13, 'amount', BIG],
    ]);
  });

  it('accepts a running balance exactly at the bound, either sign, and refuses one minor unit beyond', async () => {
    const up = await account();
    const down = await account();
    const result = await appendLedgerEntries(ds, [
      e(up, 'max', MAX_LEDGER_BALANCE, '2026-11-21T10:00:00Z'),
      e(up, 'one-more', 1n, '2026-11-21T10:01:00Z'),
      e(down, 'min', -MAX_LEDGER_BALANCE, '2026-11-21T10:00:00Z'),
      e(down, 'one-less', -1n, '2026-11-21T10:01:00Z'),
    ]);
    expect(result).toEqual({
      inserted: 2,
      duplicates: 0,
      conflicts: [],
      rebalanced: 0,
      outOfRange: [
        {
          index: 1,
          accountId: up,
          entryRef: 'one-more',
          amount: 1n,
          balance: MAX_LEDGER_BALANCE + 1n,
          laterEntryAt: null,
        },
        {
          index: 3,
          accountId: down,
          entryRef: 'one-less',
          amount: -1n,
          balance: -MAX_LEDGER_BALANCE - 1n,
          laterEntryAt: null,
        },
      ],
    });
    expect(await ledger(up)).toEqual([['max', MAX_LEDGER_BALANCE, MAX_LEDGER_BALANCE]]);
    expect(await ledger(down)).toEqual([['min', -MAX_LEDGER_BALANCE, -MAX_LEDGER_BALANCE]]);

    // Through the CSV, to the bound from 16-digit amounts: 9 x 9999999999999999.99 + the rest.
    const csvAccount = await createAccount(ds, 'NZEDGE1');
    const rows = ['provider,account_no,entry_ref,amount,posted_at'];
    for (let i = 1; i <= 9; i++) rows.push(`netzme,NZEDGE1,x${i},${BIG},2026-11-21T11:0${i}:00Z`);
    rows.push('netzme,NZEDGE1,x-edge,2233720368547758.16,2026-11-21T11:30:00Z');
    const summary = await importLedgerCsv(ds, csv(rows.join('\n')));
    expect(summary).toMatchObject({ imported: 10, rejectedCount: 0 });
    expect((await ledger(csvAccount)).at(-1)).toEqual([
      'x-edge',
      223372036854775816n,
      MAX_LEDGER_BALANCE,
    ]);
  });

  it('refuses a back-dated entry that would push a later balance beyond the bound, keeps the rest', async () => {
    const a = await account();
    await appendLedgerEntries(ds, [
      e(a, 'e1', 5_000_000_000_000_000_000n, '2026-11-21T10:00:00Z'),
      e(a, 'e2', 4_000_000_000_000_000_000n, '2026-11-21T10:20:00Z'),
    ]);
    // late1 alone fits at 10:05 (5.3e18) but would make e2's balance 9.3e18.
    const result = await appendLedgerEntries(ds, [
      e(a, 'late1', 300_000_000_000_000_000n, '2026-11-21T10:05:00Z'),
      e(a, 'late2', 1n, '2026-11-21T10:10:00Z'),
      e(a, 'new', 1n, '2026-11-21T10:30:00Z'),
    ]);
    expect(result).toEqual({
      inserted: 2,
      duplicates: 0,
      conflicts: [],
      rebalanced: 1,
      outOfRange: [
        {
          index: 0,
          accountId: a,
          entryRef: 'late1',
          amount: 300_000_000_000_000_000n,
          balance: 9_300_000_000_000_000_000n,
          laterEntryAt: new Date('2026-11-21T10:20:00Z'),
        },
      ],
    });
    expect(await ledger(a)).toEqual([
      ['e1', 5_000_000_000_000_000_000n, 5_000_000_000_000_000_000n],
      ['late2', 1n, 5_000_000_000_000_000_001n],
      ['e2', 4_000_000_000_000_000_000n, 9_000_000_000_000_000_001n],
      ['new', 1n, 9_000_000_000_000_000_002n],
    ]);
    expect(await wrongBalances(ds)).toEqual([]);
  });

  it('stores back-dated entries that fit together even when the account is near the bound', async () => {
    const a = await account();
    await appendLedgerEntries(ds, [
      e(a, 'e1', 5_000_000_000_000_000_000n, '2026-11-21T10:00:00Z'),
      e(a, 'e2', 4_000_000_000_000_000_000n, '2026-11-21T10:20:00Z'),
    ]);
    // +1e18 then -1e18 before e2: every balance fits (6e18, 5e18, 9e18), though the credit
    // alone would take e2 to 1e19.
    const result = await appendLedgerEntries(ds, [
      e(a, 'in', 1_000_000_000_000_000_000n, '2026-11-21T10:05:00Z'),
      e(a, 'out', -1_000_000_000_000_000_000n, '2026-11-21T10:06:00Z'),
    ]);
    expect(result).toMatchObject({ inserted: 2, outOfRange: [] });
    expect((await ledger(a)).map((r) => [r[0], r[2]])).toEqual([
      ['e1', 5_000_000_000_000_000_000n],
      ['in', 6_000_000_000_000_000_000n],
      ['out', 5_000_000_000_000_000_000n],
      ['e2', 9_000_000_000_000_000_000n],
    ]);
    expect(await wrongBalances(ds)).toEqual([]);
  });

  it('CSV: a back-dated row that would overflow a later balance is listed with the later entry', async () => {
    const a = await createAccount(ds, 'NZBACK1');
    const rows = ['provider,account_no,entry_ref,amount,posted_at'];
    for (let i = 1; i <= 9; i++) rows.push(`netzme,NZBACK1,k${i},${BIG},2026-11-21T12:0${i}:00Z`);
    expect(await importLedgerCsv(ds, csv(rows.join('\n')))).toMatchObject({ imported: 9 });
    const late = [
      'provider,account_no,entry_ref,amount,posted_at',
      `netzme,NZBACK1,k-late,${BIG},2026-11-21T12:00:30Z`, // line 2: before all nine
      'netzme,NZBACK1,k-small,1.00,2026-11-21T12:00:40Z', // line 3
    ].join('\n');
    const summary = await importLedgerCsv(ds, csv(late));
    const reason = `the account's running balance at its later entry of 2026-11-21T12:09:00.000Z would become 99999999999999999.90, ${LIMIT}`;
    expect(summary).toMatchObject({
      imported: 1,
      rejectedCount: 1,
      rejected: [{ line: 2, field: 'amount', value: BIG, reason }],
    });
    expect((await ledger(a)).map((r) => r[0])).toEqual([
      'k-small',
      'k1',
      'k2',
      'k3',
      'k4',
      'k5',
      'k6',
      'k7',
      'k8',
      'k9',
    ]);
    expect((await ledger(a)).at(-1)![2]).toBe(9n * BIG_MINOR + 100n);
    expect(await wrongBalances(ds)).toEqual([]);
  });

  it('API batch: refuses the whole batch naming each entry index and field, stores nothing', async () => {
    await createAccount(ds, 'NZAPI1');
    const other = await createAccount(ds, 'NZAPI2');
    const entry = (entryRef: string, amount: string, minute: number, accountNo = 'NZAPI1') => ({
      provider: 'netzme',
      accountNo,
      entryRef,
      amount,
      postedAt: `2026-11-21T13:${String(minute).padStart(2, '0')}:00Z`,
    });
    const entries = [entry('ok-other', '5.00', 0, 'NZAPI2')];
    for (let i = 1; i <= 10; i++) entries.push(entry(`a${i}`, BIG, i));
    const valid = validateLedgerBatch({ entries });
    if (!valid.ok) throw new Error(JSON.stringify(valid.errors));

    const outcome = await ingestLedgerBatch(ds, valid.entries);
    const reason = `the account's running balance would be 99999999999999999.90, ${LIMIT}`;
    expect(outcome).toEqual({
      ok: false,
      errors: [
        {
          index: 10,
          field: 'amount',
          value: BIG,
          reason,
          code: 'balance_out_of_range',
          message: `entries[10].amount "${BIG}": ${reason}`,
        },
      ],
    });
    expect(await ledger(other)).toEqual([]);
    const [{ count }] = await ds.query(
      `SELECT count(*)::int AS count FROM ledger_entries e JOIN provider_accounts a ON a.id = e.account_id
        WHERE a.account_no = 'NZAPI1'`,
    );
    expect(count).toBe(0);

    // Without the entry that does not fit, the batch is stored.
    const fixed = validateLedgerBatch({ entries: entries.slice(0, 10) });
    if (!fixed.ok) throw new Error(JSON.stringify(fixed.errors));
    expect(await ingestLedgerBatch(ds, fixed.entries)).toEqual({
      ok: true,
      inserted: 10,
      duplicates: 0,
    });

    // A back-dated entry that would overflow a later balance: refused by index.
    const backdated = validateLedgerBatch({
      entries: [entry('a-ok', '1.00', 59), entry('a-late', BIG, 0)],
    });
    if (!backdated.ok) throw new Error(JSON.stringify(backdated.errors));
    const refused = await ingestLedgerBatch(ds, backdated.entries);
    expect(refused.ok).toBe(false);
    expect(
      refused.ok ? [] : refused.errors.map((x) => [x.index, x.field, x.value, x.code]),
    ).toEqual([[1, 'amount', BIG, 'balance_out_of_range']]);
    expect(refused.ok ? '' : refused.errors[0].reason).toContain(
      'at its later entry of 2026-11-21T13:09:00.000Z would become 99999999999999999.90',
    );
    expect(await wrongBalances(ds)).toEqual([]);
  });
});
