import { importAccounts, importAccountsCsv } from '@app/ledger';
import { DEFAULT_PROFILES, resolveProfile } from '@app/snap';
import { pageText, PAGES } from '../snap/support/provider-pages';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { csv } from './ledger-helpers';

const HEADER = 'merchant_id,merchant_name,provider,account_no,currency,credential,ms_id\n';
const NICEPAY_PAGE = pageText(PAGES.nicepayBalance);
/** NICEPay's request table: "accountNo | String | 10 | Mandatory", "msId | String | 20 | Conditional". */
const ACCOUNT_NO_MAX = Number(/^accountNo \| String \| (\d+) \| Mandatory/m.exec(NICEPAY_PAGE)![1]);
const MS_ID_MAX = Number(/^msId \| String \| (\d+) \| Conditional/m.exec(NICEPAY_PAGE)![1]);

/**
 * The accounts import refuses, by line, field and value, an account its provider's balance
 * request cannot carry: longer than NICEPay's page allows, or a seller id where the provider
 * knows no sellers. Such an account would fail every run at the provider (or be answered for
 * the merchant instead of the seller).
 */
describe('accounts import: what the provider’s balance request can carry', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase(testConfig());
  });
  afterAll(() => db.drop());

  const longNo = 'N'.repeat(ACCOUNT_NO_MAX + 1);
  const longSeller = 'S'.repeat(MS_ID_MAX + 1);

  it('refuses a NICEPay account number or seller id longer than its page allows, and a Netzme seller', async () => {
    const text =
      HEADER + // 1
      `m1,Toko Satu,nicepay,${'N'.repeat(ACCOUNT_NO_MAX)},IDR,,\n` + // 2 ok: the page's size
      `m1,Toko Satu,nicepay,${longNo},IDR,,\n` + // 3 one too long
      `m1,Toko Satu,nicepay,${'N'.repeat(ACCOUNT_NO_MAX)},IDR,,${'S'.repeat(MS_ID_MAX)}\n` + // 4 ok
      `m1,Toko Satu,nicepay,${'N'.repeat(ACCOUNT_NO_MAX)},IDR,,${longSeller}\n` + // 5 too long
      'm1,Toko Satu,netzme,NZ1,IDR,,SELLER-1\n' + // 6 Netzme knows no sellers
      `m1,Toko Satu,finnet,${'F'.repeat(40)},IDR,fin_m1,\n`; // 7 ok: Finnet's request names no account
    const summary = await importAccountsCsv(db.dataSource, csv(text));
    expect(summary.rejected.map((r) => [r.line, r.field, r.value])).toEqual([
      [3, 'account_no', longNo],
      [5, 'ms_id', longSeller],
      [6, 'ms_id', 'SELLER-1'],
    ]);
    expect(summary.rejected.map((r) => r.message)).toEqual([
      `line 3, account_no "${longNo}": is ${ACCOUNT_NO_MAX + 1} characters; nicepay's balance request allows at most ${ACCOUNT_NO_MAX}`,
      `line 5, ms_id "${longSeller}": is ${MS_ID_MAX + 1} characters; nicepay's balance request allows at most ${MS_ID_MAX}`,
      'line 6, ms_id "SELLER-1": is a seller id, and netzme knows no sellers: its balance request names none (providers with sellers: nicepay)',
    ]);
    expect(summary).toMatchObject({ accountsCreated: 3, rejectedCount: 3 });
    const stored = await db.dataSource.query(
      `SELECT provider, account_no, ms_id FROM provider_accounts ORDER BY provider, account_no, ms_id`,
    );
    expect(stored.map((a: Record<string, string>) => Object.values(a))).toEqual([
      ['finnet', 'F'.repeat(40), null],
      ['nicepay', 'N'.repeat(ACCOUNT_NO_MAX), 'S'.repeat(MS_ID_MAX)],
      ['nicepay', 'N'.repeat(ACCOUNT_NO_MAX), null],
    ]);
  });

  it('refuses a merchant name to expect where the provider’s balance answer names none (Netzme, NICEPay); Finnet’s answer has one', async () => {
    // A field called `name` in each page's response: Finnet's table only.
    const hasName = (file: string) => /^name$/m.test(pageText(file));
    expect([PAGES.netzmeBalance, PAGES.nicepayBalance, PAGES.finnetBalance].map(hasName)).toEqual([
      false,
      false,
      true,
    ]);
    const text =
      `${HEADER.trimEnd()},expected_provider_name\n` + // 1
      'm4,Toko Empat,netzme,NZ4,IDR,,,Toko Empat\n' + // 2 Netzme answers no name
      'm4,Toko Empat,nicepay,NP4,IDR,,,Toko Empat\n' + // 3 nor does NICEPay
      'm4,Toko Empat,finnet,FN4,IDR,fin_m4,,Toko Empat\n' + // 4 ok
      'm4,Toko Empat,netzme,NZ5,IDR,,,\n'; // 5 ok: no name expected
    const summary = await importAccountsCsv(db.dataSource, csv(text));
    expect(summary.rejected.map((r) => r.message)).toEqual([
      'line 2, expected_provider_name "Toko Empat": is a merchant name to expect, and netzme\'s balance answer names no merchant (providers that do: finnet): every result would be an error',
      'line 3, expected_provider_name "Toko Empat": is a merchant name to expect, and nicepay\'s balance answer names no merchant (providers that do: finnet): every result would be an error',
    ]);
    expect(summary).toMatchObject({ accountsCreated: 2, rejectedCount: 2 });
  });

  it('importAccounts reports the row by index, field, value and reason', async () => {
    const result = await importAccounts(db.dataSource, [
      {
        merchantId: 'm2',
        merchantName: 'Toko Dua',
        provider: 'nicepay',
        accountNo: longNo,
        currency: 'IDR',
      },
    ]);
    expect(result.errors).toEqual([
      {
        index: 0,
        field: 'accountNo',
        value: longNo,
        reason: `is ${ACCOUNT_NO_MAX + 1} characters; nicepay's balance request allows at most ${ACCOUNT_NO_MAX}`,
      },
    ]);
  });

  it("follows the deployment's profile: a raised size lets the longer number in", async () => {
    const raised = resolveProfile('nicepay', {
      requestFieldMaxLength: { accountNo: ACCOUNT_NO_MAX + 6 },
    });
    const summary = await importAccountsCsv(
      db.dataSource,
      csv(`${HEADER}m3,Toko Tiga,nicepay,${longNo},IDR,,\n`),
      {
        profiles: { ...DEFAULT_PROFILES, nicepay: raised },
      },
    );
    expect(summary).toMatchObject({ accountsCreated: 1, rejectedCount: 0 });
  });
});
