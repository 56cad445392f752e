import { accountsRepository } from '@app/ledger';
import { createAccounts, useTestDatabase } from './repository-fixtures';

describe('accounts repository (real Postgres)', () => {
  const db = useTestDatabase();

  it('inserts accounts and reads them back by natural key, every field mapped', async () => {
    await accountsRepository.upsertMerchants(db(), new Map([['shop-1', 'Toko Satu']]));
    await accountsRepository.insertAccounts(db(), [
      {
        merchantId: 'shop-1',
        provider: 'nicepay',
        accountNo: 'NP-1',
        currency: 'IDR',
        credentialSet: 'set-a',
        enabled: false,
        msId: 'SELLER7',
        expectedProviderName: 'Toko Satu',
      },
    ]);
    const [stored, ...others] = await accountsRepository.findByKeys(db(), [
      { provider: 'nicepay', accountNo: 'NP-1', msId: 'SELLER7' },
      { provider: 'nicepay', accountNo: 'NOT-THERE' },
      // The merchant's own account is another key: not this seller's.
      { provider: 'nicepay', accountNo: 'NP-1' },
    ]);
    expect(others).toEqual([]);
    expect(stored).toEqual({
      id: expect.stringMatching(/^\d+$/),
      provider: 'nicepay',
      accountNo: 'NP-1',
      merchantId: 'shop-1',
      currency: 'IDR',
      credentialSet: 'set-a',
      enabled: false,
      msId: 'SELLER7',
      expectedProviderName: 'Toko Satu',
    });
    expect(await accountsRepository.findWithMerchant(db(), stored)).toEqual({
      id: stored.id,
      merchantId: 'shop-1',
      merchantName: 'Toko Satu',
      provider: 'nicepay',
      accountNo: 'NP-1',
      msId: 'SELLER7',
      currency: 'IDR',
      enabled: false,
    });
    expect(
      await accountsRepository.findWithMerchant(db(), { provider: 'nicepay', accountNo: 'NP-1' }),
    ).toBeNull();
    expect(
      await accountsRepository.findWithMerchant(db(), { provider: 'nicepay', accountNo: 'X' }),
    ).toBeNull();
  });

  it('updates only the changeable fields', async () => {
    const [id] = await createAccounts(db(), ['UPD-1']);
    await accountsRepository.updateAccounts(db(), [
      { id, credentialSet: 'set-b', enabled: false, expectedProviderName: 'Name' },
    ]);
    const [after] = await accountsRepository.findByKeys(db(), [
      { provider: 'netzme', accountNo: 'UPD-1' },
    ]);
    expect(after).toMatchObject({
      id,
      merchantId: 'm1',
      currency: 'IDR',
      credentialSet: 'set-b',
      enabled: false,
      msId: null,
      expectedProviderName: 'Name',
    });
  });

  it('keys a NICEPay seller by (provider, accountNo, msId): the merchant and two sellers are three accounts, a repeated key is refused', async () => {
    await accountsRepository.upsertMerchants(db(), new Map([['mk-1', 'Marketplace']]));
    const account = (msId: string | null) => ({
      merchantId: 'mk-1',
      provider: 'nicepay',
      accountNo: 'MKT-1',
      currency: 'IDR',
      credentialSet: null,
      enabled: true,
      msId,
      expectedProviderName: null,
    });
    await accountsRepository.insertAccounts(db(), [account(null), account('S-A'), account('S-B')]);
    const keys = [null, 'S-A', 'S-B', 'S-C'].map((msId) => ({
      provider: 'nicepay',
      accountNo: 'MKT-1',
      msId,
    }));
    const stored: { id: string; ms_id: string | null }[] = await db().query(
      `SELECT id::text, ms_id FROM provider_accounts WHERE account_no = 'MKT-1'`,
    );
    const idOf = (msId: string | null) => stored.find((r) => r.ms_id === msId)!.id;
    expect(await accountsRepository.resolveKeys(db(), keys)).toEqual([
      { id: idOf(null), enabled: true },
      { id: idOf('S-A'), enabled: true },
      { id: idOf('S-B'), enabled: true },
      { id: null, enabled: null },
    ]);
    const ids = await accountsRepository.findIdsByKeys(db(), keys);
    expect(new Map(ids.map((r) => [r.msId, r.id]))).toEqual(
      new Map([null, 'S-A', 'S-B'].map((m) => [m, idOf(m)])),
    );
    expect((await accountsRepository.findWithMerchant(db(), keys[2]))!.id).toBe(idOf('S-B'));
    await expect(accountsRepository.insertAccounts(db(), [account('S-A')])).rejects.toThrow(
      /provider_accounts_key/,
    );
    await expect(accountsRepository.insertAccounts(db(), [account(null)])).rejects.toThrow(
      /provider_accounts_key/,
    );
    // '' is never a seller id: it stands for "none" in the key.
    await expect(accountsRepository.insertAccounts(db(), [account('')])).rejects.toThrow(
      /provider_accounts_ms_id_check/,
    );
  });

  it('upserts merchants: inserted, renamed, or untouched when the name is the same', async () => {
    const first = await accountsRepository.upsertMerchants(
      db(),
      new Map([
        ['mm-1', 'One'],
        ['mm-2', 'Two'],
      ]),
    );
    expect(first).toEqual([
      { inserted: true, updated: false },
      { inserted: true, updated: false },
    ]);
    const again = await accountsRepository.upsertMerchants(
      db(),
      new Map([
        ['mm-1', 'One'],
        ['mm-2', 'Two renamed'],
      ]),
    );
    expect(again).toEqual([{ inserted: false, updated: true }]);
  });

  it('resolves keys in the order given: unknown ones null, disabled ones flagged', async () => {
    const [on] = await createAccounts(db(), ['RES-ON']);
    const [off] = await createAccounts(db(), ['RES-OFF'], { enabled: false });
    expect(
      await accountsRepository.resolveKeys(db(), [
        { provider: 'netzme', accountNo: 'RES-OFF' },
        { provider: 'finnet', accountNo: 'RES-ON' },
        { provider: 'netzme', accountNo: 'RES-ON' },
      ]),
    ).toEqual([
      { id: off, enabled: false },
      { id: null, enabled: null },
      { id: on, enabled: true },
    ]);
    const ids = await accountsRepository.findIdsByKeys(db(), [
      { provider: 'netzme', accountNo: 'RES-ON' },
      { provider: 'netzme', accountNo: 'NOPE' },
    ]);
    expect(ids).toEqual([{ id: on, provider: 'netzme', accountNo: 'RES-ON', msId: null }]);
  });

  it('locks only existing accounts for an append (the missing one is reported by absence)', async () => {
    const [a, b] = await createAccounts(db(), ['LOCK-A', 'LOCK-B']);
    const locked = await db().transaction((tx) =>
      accountsRepository.lockForAppend(tx, [a, b, '999999999']),
    );
    expect(locked.sort()).toEqual([a, b].sort());
  });

  it('seeds the demo idempotently: a second seed keeps the ids and takes the new credential set', async () => {
    const seed = (credentialSet: string | null, msId?: string) =>
      accountsRepository.seedAccounts(db(), [
        {
          merchantId: 'demo-1',
          merchantName: 'Demo',
          provider: 'finnet',
          accountNo: 'SEED-1',
          msId,
          credentialSet,
        },
      ]);
    const first = await seed(null);
    const second = await seed('set-z');
    expect(second).toEqual(first);
    // A seller under the same account number is seeded beside it, and re-seeded in place.
    const seller = (credentialSet: string | null) => seed(credentialSet, 'SELLER-1');
    const sellerFirst = await seller(null);
    expect([...sellerFirst.keys()]).toEqual(['finnet/SEED-1/SELLER-1']);
    expect(sellerFirst.get('finnet/SEED-1/SELLER-1')).not.toBe(first.get('finnet/SEED-1'));
    expect(await seller('set-y')).toEqual(sellerFirst);
    const [stored] = await accountsRepository.findByKeys(db(), [
      { provider: 'finnet', accountNo: 'SEED-1' },
    ]);
    expect(stored.credentialSet).toBe('set-z');
  });
});
