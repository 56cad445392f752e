import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { importLedgerCsv } from '@app/ledger';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { createAccount, csv, entriesOf, wrongBalances } from './ledger-helpers';

const HEADER = 'provider,account_no,entry_ref,amount,posted_at\n';

describe('importLedgerCsv', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: Awaited<ReturnType<typeof createTestDatabase>>['dataSource'];
  let acc1: string;
  let acc2: string;
  const dir = mkdtempSync(join(tmpdir(), 'ledger-csv-'));
  const refs = async (accountId: string) =>
    (await entriesOf(ds, accountId)).map((e) => [e.ref, e.amount, e.postedAt, e.balanceAfter]);
  const brief = (rows: { line: number; field: string; value: string }[]) =>
    rows.map((r) => [r.line, r.field, r.value]);

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ds = db.dataSource;
    acc1 = await createAccount(ds, 'acc1', 'netzme');
    acc2 = await createAccount(ds, 'acc2', 'nicepay');
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('imports a good file from a path, and a re-import adds nothing', async () => {
    const file = join(dir, 'good.csv');
    writeFileSync(
      file,
      HEADER.replace('\n', '\r\n') +
        'netzme,acc1,g1,100.00,2026-11-21T10:00:00Z\r\n' +
        'netzme,acc1,g2,-0.05,2026-11-21T16:30:00+07:00\r\n' +
        'nicepay,acc2,g1,1234567890123456.99,2026-11-21T10:00:00.250Z\r\n',
    );
    const first = await importLedgerCsv(ds, file);
    expect(first).toEqual({
      rows: 3,
      imported: 3,
      duplicates: 0,
      rejectedCount: 0,
      rejectedTruncated: false,
      rejected: [],
    });
    // g2 (16:30 Jakarta) is earlier than g1 (10:00 UTC): balances follow posted_at, not file order.
    expect(await refs(acc1)).toEqual([
      ['g2', -5n, '2026-11-21T09:30:00.000Z', -5n],
      ['g1', 10000n, '2026-11-21T10:00:00.000Z', 9995n],
    ]);
    expect(await refs(acc2)).toEqual([
      ['g1', 123456789012345699n, '2026-11-21T10:00:00.250Z', 123456789012345699n],
    ]);

    const again = await importLedgerCsv(ds, file);
    expect(again).toMatchObject({ rows: 3, imported: 0, duplicates: 3, rejectedCount: 0 });
    expect((await entriesOf(ds, acc1)).length).toBe(2);
  });

  it('reports each bad row with its line, field and value and imports the valid ones', async () => {
    const long = 'x'.repeat(129);
    const text =
      HEADER + // 1
      'netzme,acc1,b1,10.00,2026-11-22T10:00:00Z\n' + // 2 ok
      'netzme,acc1,b2,12.5,2026-11-22T10:00:00Z\n' + // 3
      'netzme,acc1,b3,"1,000.00",2026-11-22T10:00:00Z\n' + // 4
      'netzme,acc1,b4,1e3,2026-11-22T10:00:00Z\n' + // 5
      'netzme,acc1,b5,12.345,2026-11-22T10:00:00Z\n' + // 6
      'netzme,acc1,b6,1.00,2026-11-22T10:00:00\n' + // 7 no zone
      'netzme,acc1,b7,1.00,2026-02-30T10:00:00Z\n' + // 8 no such day
      'ovo,acc1,b8,1.00,2026-11-22T10:00:00Z\n' + // 9
      'netzme,nope,b9,1.00,2026-11-22T10:00:00Z\n' + // 10 unknown account
      'netzme,acc1,,1.00,2026-11-22T10:00:00Z\n' + // 11 empty ref
      `netzme,acc1,${long},1.00,2026-11-22T10:00:00Z\n` + // 12 ref too long
      'netzme,acc1,b10,1.00\n' + // 13 missing column
      '\n' + // 14 blank, skipped
      'netzme,acc1,b11,1.00,2026-11-22T10:00:00Z,extra\n' + // 15 extra field
      'netzme,acc1,b"12,1.00,2026-11-22T10:00:00Z\n' + // 16 bad quoting
      'netzme,acc1,b1,11.00,2026-11-22T10:00:00Z\n' + // 17 same ref as line 2, other amount
      'netzme,acc1,b1,10.00,2026-11-22T10:00:00Z\n' + // 18 identical repeat: duplicate
      'netzme,acc1,"b13\nmore",1.00,2026-11-22T10:00:00Z\n' + // 19-20 control char in ref
      'netzme,acc1,b14,-2.00,2026-11-22T17:00:01+07:00\n' + // 21 ok
      'netzme,acc1,b15,3.00,2026-11-22T10:00:00 +07:00\n' + // 22 space before zone
      'netzme,acc1,b16,100,2026-13-01T00:00:00Z\n'; // 23 two bad fields
    const summary = await importLedgerCsv(ds, csv(text));
    expect(brief(summary.rejected)).toEqual([
      [3, 'amount', '12.5'],
      [4, 'amount', '1,000.00'],
      [5, 'amount', '1e3'],
      [6, 'amount', '12.345'],
      [7, 'posted_at', '2026-11-22T10:00:00'],
      [8, 'posted_at', '2026-02-30T10:00:00Z'],
      [9, 'provider', 'ovo'],
      [10, 'account_no', 'nope'],
      [11, 'entry_ref', ''],
      [12, 'entry_ref', long],
      [13, 'posted_at', ''],
      [15, '(row)', 'netzme,acc1,b11,1.00,2026-11-22T10:00:00Z,extra'],
      [16, '(row)', 'netzme,acc1,b"'],
      [17, 'amount', '11.00'],
      [19, 'entry_ref', 'b13\nmore'],
      [22, 'posted_at', '2026-11-22T10:00:00 +07:00'],
      [23, 'amount', '100'],
    ]);
    expect(summary).toMatchObject({ rows: 20, imported: 2, duplicates: 1, rejectedCount: 17 });
    const byLine = new Map(summary.rejected.map((r) => [r.line, r]));
    expect(byLine.get(3)!.message).toBe(
      'line 3, amount "12.5": must be a decimal with exactly two places and no separators, like 1000.00 or -12.50',
    );
    expect(byLine.get(7)!.reason).toBe('has no time zone; add Z or an offset like +07:00');
    expect(byLine.get(8)!.reason).toBe('is not a calendar date');
    expect(byLine.get(9)!.reason).toBe('must be one of netzme, nicepay, finnet, midtrans');
    expect(byLine.get(10)!.message).toBe(
      'line 10, account_no "nope": no provider account netzme/nope; import it with the accounts CSV first',
    );
    expect(byLine.get(12)!.reason).toBe('must be at most 128 characters');
    expect(byLine.get(13)!.reason).toBe('is missing: the row has 4 fields, the header 5');
    expect(byLine.get(15)!.reason).toBe('has 6 fields, the header 5');
    expect(byLine.get(16)!.reason).toMatch(/^cannot be parsed as CSV: Invalid Opening Quote/);
    expect(byLine.get(17)!.message).toBe(
      'line 17, amount "11.00": entry_ref "b1" of netzme/acc1 appears on line 2 with amount 10.00 at 2026-11-22T10:00:00.000Z',
    );
    expect(byLine.get(19)!.reason).toBe('must not contain control characters');
    // Every bad field of a row in one report (found by a new-user tester: the month came after the fix of the amount).
    expect(byLine.get(23)!.message).toMatch(
      /^line 23, amount "100": must be a decimal .*; also posted_at "2026-13-01T00:00:00Z": /,
    );

    const stored = (await refs(acc1)).filter((r) => String(r[0]).startsWith('b'));
    expect(stored).toEqual([
      ['b1', 1000n, '2026-11-22T10:00:00.000Z', 10995n],
      ['b14', -200n, '2026-11-22T10:00:01.000Z', 10795n],
    ]);
  });

  it('reports a conflicting re-import (another amount or time) and keeps the stored entry', async () => {
    await importLedgerCsv(ds, csv(HEADER + 'nicepay,acc2,k1,5.00,2026-11-23T10:00:00Z\n'));
    const summary = await importLedgerCsv(
      ds,
      csv(
        HEADER +
          'nicepay,acc2,k1,6.00,2026-11-23T10:00:00Z\n' +
          'nicepay,acc2,k1,5.00,2026-11-23T10:00:00+01:00\n' +
          'nicepay,acc2,k1,5.00,2026-11-23T11:00:00+01:00\n',
      ),
    );
    expect(summary).toMatchObject({ imported: 0, duplicates: 1, rejectedCount: 2 });
    expect(summary.rejected.map((r) => r.message)).toEqual([
      'line 2, amount "6.00": entry_ref "k1" of nicepay/acc2 is already recorded with amount 5.00 at 2026-11-23T10:00:00.000Z; a recorded entry is never overwritten',
      'line 3, posted_at "2026-11-23T10:00:00+01:00": entry_ref "k1" of nicepay/acc2 is already recorded with amount 5.00 at 2026-11-23T10:00:00.000Z; a recorded entry is never overwritten',
    ]);
    expect((await refs(acc2)).find((r) => r[0] === 'k1')).toEqual([
      'k1',
      500n,
      '2026-11-23T10:00:00.000Z',
      123456789012346199n,
    ]);
  });

  it('reports an in-file repeat with another amount across batches', async () => {
    const summary = await importLedgerCsv(
      ds,
      csv(
        HEADER +
          'netzme,acc1,x1,1.00,2026-11-24T10:00:00Z\n' +
          'netzme,acc1,x2,1.00,2026-11-24T10:00:00Z\n' +
          'netzme,acc1,x1,2.00,2026-11-24T10:00:00Z\n',
      ),
      { batchSize: 2 },
    );
    expect(summary).toMatchObject({ imported: 2, duplicates: 0, rejectedCount: 1 });
    expect(brief(summary.rejected)).toEqual([[4, 'amount', '2.00']]);
    expect(summary.rejected[0].reason).toMatch(
      /^entry_ref "x1" of netzme\/acc1 is already recorded with amount 1.00/,
    );
  });

  it('refuses a file whose header is not exactly the expected one, reading nothing', async () => {
    const summary = await importLedgerCsv(
      ds,
      csv(
        'provider,account,entry_ref,amount,posted_at\nnetzme,acc1,h1,1.00,2026-11-21T10:00:00Z\n',
      ),
    );
    expect(summary).toEqual({
      rows: 0,
      imported: 0,
      duplicates: 0,
      rejectedCount: 1,
      rejectedTruncated: false,
      rejected: [
        {
          line: 1,
          field: '(header)',
          value: 'provider,account,entry_ref,amount,posted_at',
          reason:
            'the header must be exactly provider,account_no,entry_ref,amount,posted_at[,provider_ref][,ms_id]',
          message:
            'line 1, (header) "provider,account,entry_ref,amount,posted_at": the header must be exactly provider,account_no,entry_ref,amount,posted_at[,provider_ref][,ms_id]',
        },
      ],
    });
    expect((await refs(acc1)).some((r) => r[0] === 'h1')).toBe(false);
    const empty = await importLedgerCsv(ds, csv(''));
    expect(brief(empty.rejected)).toEqual([[1, '(header)', '']]);
    expect(empty.rejected[0].reason).toBe('the file is empty; a header row is required');
  });

  it('reports a quote left open with its line and keeps the rows before it', async () => {
    const summary = await importLedgerCsv(
      ds,
      csv(
        HEADER +
          'netzme,acc1,q1,1.00,2026-11-25T10:00:00Z\nnetzme,acc1,"q2,1.00,2026-11-25T10:00:00Z\nnetzme,acc1,q3,1.00,2026-11-25T10:00:00Z\n',
      ),
    );
    expect(summary).toMatchObject({ imported: 1, rejectedCount: 1 });
    expect(summary.rejected[0]).toMatchObject({ line: 3, field: '(row)' });
    expect(summary.rejected[0].reason).toMatch(/Quote Not Closed/);
  });

  it('refuses a row whose bytes are not UTF-8, naming it, so two Latin-1 refs never merge (a tester saw café and cafè stored as one)', async () => {
    const latin1 = (ref: string) =>
      Buffer.concat([
        Buffer.from(HEADER),
        Buffer.from(`netzme,acc2x,${ref},1.00,2026-11-25T10:00:00Z\n`, 'latin1'),
        Buffer.from('netzme,acc2x,plain,1.00,2026-11-25T10:00:00Z\n'),
      ]);
    const acc = await createAccount(ds, 'acc2x', 'netzme');
    for (const ref of ['ref-caf\u00e9', 'ref-caf\u00e8']) {
      const file = join(dir, 'latin1.csv');
      writeFileSync(file, latin1(ref));
      const summary = await importLedgerCsv(ds, file);
      expect(summary).toMatchObject({ rows: 2, rejectedCount: 1 });
      expect(summary.rejected[0]).toMatchObject({
        line: 2,
        field: 'entry_ref',
        value: 'ref-caf\ufffd',
        reason: 'is not UTF-8 text (a byte read as U+FFFD): save the file as UTF-8',
      });
    }
    // Saved as UTF-8, both are entries of their own.
    const summary = await importLedgerCsv(
      ds,
      csv(
        HEADER +
          'netzme,acc2x,ref-caf\u00e9,1.00,2026-11-25T11:00:00Z\n' +
          'netzme,acc2x,ref-caf\u00e8,1.00,2026-11-25T11:00:00Z\n',
      ),
    );
    expect(summary).toMatchObject({ imported: 2, rejectedCount: 0 });
    expect((await refs(acc)).map((r) => r[0])).toEqual(['plain', 'ref-caf\u00e9', 'ref-caf\u00e8']);
  });

  it('throws when the file cannot be read', async () => {
    await expect(importLedgerCsv(ds, join(dir, 'missing.csv'))).rejects.toThrow(/ENOENT/);
  });

  it('streams a large file in batches, lists at most maxRejected rows and counts them all', async () => {
    const acc = await createAccount(ds, 'big', 'finnet');
    const rows = 12_000;
    function* lines() {
      yield HEADER;
      for (let i = 0; i < rows; i++) {
        // Every 1000th row is bad; times go back and forth to exercise back-dating.
        const amount =
          i % 1000 === 999 ? '1.5' : `${(i % 7) - 3}.${String(i % 100).padStart(2, '0')}`;
        const at = new Date(Date.UTC(2026, 10, 1) + ((i * 7919) % 50_000) * 1000).toISOString();
        yield `finnet,big,L${i},${amount},${at}\n`;
      }
    }
    const summary = await importLedgerCsv(ds, Readable.from(lines()), {
      batchSize: 2500,
      maxRejected: 5,
    });
    expect(summary).toMatchObject({
      rows,
      imported: rows - 12,
      duplicates: 0,
      rejectedCount: 12,
      rejectedTruncated: true,
    });
    expect(summary.rejected.map((r) => r.line)).toEqual([1001, 2001, 3001, 4001, 5001]);
    expect((await entriesOf(ds, acc)).length).toBe(rows - 12);
    expect(await wrongBalances(ds)).toEqual([]);
  });
});
