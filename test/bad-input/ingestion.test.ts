import { Readable } from 'node:stream';
import { importAccountsCsv, importLedgerCsv, RowError } from '@app/ledger';
import { createAccount } from '../ledger/ledger-helpers';
import { testConfig } from '../support/test-config';
import { createTestDatabase } from '../support/test-database';
import { storedState, StoredState } from './stored-state';

const LEDGER_HEADER = 'provider,account_no,entry_ref,amount,posted_at\n';
const ACCOUNTS_HEADER = 'merchant_id,merchant_name,provider,account_no,currency\n';

/**
 * Bad ledger and accounts CSV files through the real importers into Postgres. Every bad row
 * is reported with its line, the field and the value; the good rows around it are imported;
 * nothing stored before changes (stored rows keep their values; only new rows are added).
 */
describe('bad input: ingestion (CSV imports)', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let before: StoredState;
  let seq = 0;
  const ledger = (text: string) =>
    importLedgerCsv(db.dataSource, Readable.from([LEDGER_HEADER + text]));
  /** A good row, later than everything stored (so no stored balance is recomputed). */
  const good = () =>
    `netzme,NZING1,good-${++seq},1.00,2026-12-01T00:00:${String(seq % 60).padStart(2, '0')}Z\n`;

  /** The stored rows of every table as before, plus `added` new ledger entries at most. */
  async function onlyAdded(added: number) {
    const after = await storedState(db.dataSource);
    expect(after.ledger_entries.rows).toBe(before.ledger_entries.rows + added);
    // Every entry stored before (all but the good rows added since) is exactly as it was.
    expect(await storedChecksum()).toBe(checksumBefore);
    expect({ ...after, ledger_entries: null }).toEqual({ ...before, ledger_entries: null });
  }
  let checksumBefore = '';
  const storedChecksum = async () => {
    const [row]: { c: string }[] = await db.dataSource.query(
      `SELECT md5(string_agg(concat_ws(',', id, account_id, entry_ref, amount, posted_at, balance_after), '|' ORDER BY id)) AS c
         FROM ledger_entries WHERE entry_ref NOT LIKE 'good-%'`,
    );
    return row.c;
  };

  function expectRejected(rejected: RowError[], line: number, field: string, value: string) {
    const error = rejected.find((r) => r.line === line);
    expect(error && { line: error.line, field: error.field, value: error.value }).toEqual({
      line,
      field,
      value,
    });
    expect(error!.message).toContain(`line ${line}, ${field} ${JSON.stringify(value)}`);
  }

  beforeAll(async () => {
    db = await createTestDatabase(config);
    await createAccount(db.dataSource, 'NZING1', 'netzme', 'MING1');
    await createAccount(db.dataSource, 'NPING2', 'nicepay', 'MING2');
    const seeded = await ledger(
      'netzme,NZING1,seed-1,100.00,2026-11-21T10:00:00+07:00\n' +
        'nicepay,NPING2,seed-2,250.50,2026-11-21T11:00:00+07:00\n',
    );
    expect(seeded.imported).toBe(2);
  });

  beforeEach(async () => {
    before = await storedState(db.dataSource);
    checksumBefore = await storedChecksum();
  });

  afterAll(() => db?.drop());

  it('bad CSV quoting (a quote inside an unquoted field): the row is refused at its line, the rows around it imported', async () => {
    const summary = await ledger(good() + 'netzme,NZING1,q"1,5.00,2026-11-21T10:00:00Z\n' + good());
    expect(summary).toMatchObject({ imported: 2, rejectedCount: 1 });
    const [error] = summary.rejected;
    expect({ line: error.line, field: error.field }).toEqual({ line: 3, field: '(row)' });
    // The record's text as far as the parser read it.
    expect(error.value).toContain('netzme,NZING1,q"');
    expect(error.reason).toMatch(/cannot be parsed as CSV: Invalid Opening Quote/);
    await onlyAdded(2);
  });

  it('an unclosed quote at the end of the file: refused with its line, earlier rows imported', async () => {
    const summary = await ledger(good() + 'netzme,NZING1,"open,5.00,2026-11-21T10:00:00Z\n');
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expect(summary.rejected[0]).toMatchObject({
      line: 3,
      field: '(row)',
      reason: expect.stringMatching(/Quote Not Closed/),
    });
    expect(summary.rejected[0].value).toContain('"open,5.00');
    await onlyAdded(1);
  });

  it('missing column in a row: refused naming the first missing column (posted_at)', async () => {
    const summary = await ledger('netzme,NZING1,short-1,5.00\n' + good());
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expectRejected(summary.rejected, 2, 'posted_at', '');
    expect(summary.rejected[0].reason).toBe('is missing: the row has 4 fields, the header 5');
    await onlyAdded(1);
  });

  it('missing column in the header: the file is refused at line 1 naming the header, nothing imported', async () => {
    const summary = await importLedgerCsv(
      db.dataSource,
      Readable.from(['provider,account_no,entry_ref,amount\n' + 'netzme,NZING1,h1,5.00\n']),
    );
    expect(summary).toMatchObject({ imported: 0, rejectedCount: 1 });
    expectRejected(summary.rejected, 1, '(header)', 'provider,account_no,entry_ref,amount');
    expect(summary.rejected[0].reason).toBe(
      'the header must be exactly provider,account_no,entry_ref,amount,posted_at[,provider_ref][,ms_id]',
    );
    await onlyAdded(0);
  });

  it('unknown account: refused naming account_no and the value', async () => {
    const summary = await ledger(good() + 'netzme,NZNOPE,u-1,5.00,2026-11-21T10:00:00Z\n');
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expectRejected(summary.rejected, 3, 'account_no', 'NZNOPE');
    expect(summary.rejected[0].reason).toBe(
      'no provider account netzme/NZNOPE; import it with the accounts CSV first',
    );
    await onlyAdded(1);
  });

  it('duplicate reference with a different amount than the stored one: refused naming amount, the stored entry kept', async () => {
    const summary = await ledger(
      'netzme,NZING1,seed-1,999.00,2026-11-21T10:00:00+07:00\n' + good(),
    );
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expectRejected(summary.rejected, 2, 'amount', '999.00');
    expect(summary.rejected[0].reason).toContain('is already recorded with amount 100.00');
    await onlyAdded(1);
  });

  it('duplicate reference inside the file with a different amount: the second is refused naming amount and the first line', async () => {
    const summary = await ledger(
      'netzme,NZING1,good-dup,7.00,2026-12-02T00:00:00Z\n' +
        'netzme,NZING1,good-dup,8.00,2026-12-02T00:00:00Z\n',
    );
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expectRejected(summary.rejected, 3, 'amount', '8.00');
    expect(summary.rejected[0].reason).toContain('appears on line 2 with amount 7.00');
    await onlyAdded(1);
  });

  it('amount as a float (12.5): refused naming amount, nothing rounded', async () => {
    const summary = await ledger('netzme,NZING1,f-1,12.5,2026-11-21T10:00:00Z\n' + good());
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expectRejected(summary.rejected, 2, 'amount', '12.5');
    expect(summary.rejected[0].reason).toMatch(/exactly two places/);
    await onlyAdded(1);
  });

  it('amount of 17 digits before the point: refused naming amount, saying it is too large (it has its two places)', async () => {
    const summary = await ledger(
      'netzme,NZING1,big-1,12345678901234567.00,2026-11-21T10:00:00Z\n' + good(),
    );
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expectRejected(summary.rejected, 2, 'amount', '12345678901234567.00');
    expect(summary.rejected[0].reason).toBe(
      'has 17 digits before the point; a SNAP amount has at most 16 (9999999999999999.99)',
    );
    await onlyAdded(1);
  });

  it('amount with thousands separators ("1,000.00", quoted): refused naming amount', async () => {
    const summary = await ledger('netzme,NZING1,c-1,"1,000.00",2026-11-21T10:00:00Z\n' + good());
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expectRejected(summary.rejected, 2, 'amount', '1,000.00');
    await onlyAdded(1);
  });

  it('time without zone: refused naming posted_at (which instant it means would depend on the machine)', async () => {
    const summary = await ledger('netzme,NZING1,t-1,5.00,2026-11-21T10:00:00\n' + good());
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expectRejected(summary.rejected, 2, 'posted_at', '2026-11-21T10:00:00');
    expect(summary.rejected[0].reason).toBe('has no time zone; add Z or an offset like +07:00');
    await onlyAdded(1);
  });

  it('a posted time more than a day ahead (a year typed 2099): refused naming posted_at; one within the day imported', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const summary = await ledger(
      'netzme,NZING1,future-1,5.00,2099-11-21T10:00:00+07:00\n' +
        `netzme,NZING1,good-soon,1.00,${soon}\n`,
    );
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expectRejected(summary.rejected, 2, 'posted_at', '2099-11-21T10:00:00+07:00');
    expect(summary.rejected[0].reason).toMatch(
      /^is more than 24 hours ahead of this server's clock \(\d{4}-\d\d-\d\dT[\d:.]+Z\); a ledger entry records a movement that has happened$/,
    );
    await onlyAdded(1);
  });

  it('accounts CSV: a stored account re-listed with another currency is refused naming currency; the account keeps IDR', async () => {
    const summary = await importAccountsCsv(
      db.dataSource,
      Readable.from([ACCOUNTS_HEADER + 'MING1,Toko Satu,netzme,NZING1,USD\n']),
    );
    expect(summary).toMatchObject({ imported: 0, rejectedCount: 1 });
    expectRejected(summary.rejected, 2, 'currency', 'USD');
    await onlyAdded(0);
  });

  it('accounts CSV: a stored account listed under another merchant is refused naming merchant_id; never re-homed', async () => {
    const summary = await importAccountsCsv(
      db.dataSource,
      Readable.from([ACCOUNTS_HEADER + 'MOTHER,Toko Lain,netzme,NZING1,IDR\n']),
    );
    expect(summary).toMatchObject({ imported: 0, rejectedCount: 1 });
    expectRejected(summary.rejected, 2, 'merchant_id', 'MOTHER');
    expect(summary.rejected[0].reason).toContain('already belongs to merchant MING1');
    await onlyAdded(0);
    const owner: { merchant_id: string }[] = await db.dataSource.query(
      `SELECT merchant_id FROM provider_accounts WHERE account_no = 'NZING1'`,
    );
    expect(owner).toEqual([{ merchant_id: 'MING1' }]);
  });
});
