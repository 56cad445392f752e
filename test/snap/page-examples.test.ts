import { PAGES, pageText, printedJsonAfter } from './support/provider-pages';
import { World } from './support/world';

/**
 * Each provider page's example response, byte for byte as printed, is answered to the real
 * client (libs/snap SnapClient) over HTTP by the simulator's canned-reply faults (`raw`), and
 * the test asserts what the client reads. Netzme's two pages print their examples; NICEPay's
 * and Finnet's pages print only field tables (Finnet's "Sample Response" is empty), so for
 * those the answer is built from the table's fields and example values and says so.
 */
describe('the client reads each provider page’s example response as the page means it', () => {
  const NETZME_BALANCE = printedJsonAfter(pageText(PAGES.netzmeBalance), 'Response Body');
  const NETZME_STATUS = printedJsonAfter(pageText(PAGES.netzmeAccountStatus), 'Response Body');
  /** Built from NICEPay's response table (no example is printed): the page's 10000.00 example value. */
  const NICEPAY_TABLE =
    '{"responseCode":"2001100","responseMessage":"Successful","accountNo":"IONPAYTEST","accountInfos":[{"availableBalance":{"value":"10000.00","currency":"IDR"}}],"additionalInfo":{"msId":"SELLER0001"}}';
  /** Built from Finnet's response table (its "Sample Response" is empty); TRX001 is its sample request's reference. */
  const FINNET_TABLE =
    '{"responseCode":"2001100","responseMessage":"Successful","referenceNo":"A1B2C3D4","partnerReferenceNo":"TRX001","name":"Toko Sinar Jaya","accountInfos":[{"availableBalance":{"value":"10000.00","currency":"IDR"}}]}';
  const canned = (body: string) => ({ kind: 'raw' as const, status: 200, body, times: 1 });

  let world: World;

  beforeAll(async () => {
    // The balance example's ts is from 2022: this world's client allows any provider time.
    world = await World.create({ deps: { providerTimeSkewMs: 20 * 365 * 86_400_000 } });
  });

  afterAll(() => world.close());

  it('the examples are the pages’ text (sanity of the extraction)', () => {
    expect(NETZME_BALANCE).toContain('"ts": "1663940662217"');
    expect(NETZME_BALANCE.split('\n')).toHaveLength(25);
    expect(NETZME_STATUS).toContain('"status": "approved_v2"');
    expect(JSON.parse(NETZME_STATUS).additionalInfo.userStatus).toBe('premium');
  });

  it('Netzme Get Balance example: Cash 0.00 IDR, Points kept apart, provider time 1663940662217 ms', async () => {
    world.sim.putAccounts([
      { provider: 'netzme', accountNo: 'XzIz2nVo', faults: [canned(NETZME_BALANCE)] },
    ]);
    const result = await world.factory
      .get('netzme')
      .balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
    expect(result.responseCode).toBe('2001100');
    expect(result.availableBalance).toBe(0n);
    expect(result.currency).toBe('IDR');
    expect(result.balances.map((b) => b.balanceType)).toEqual(['Cash', 'Points']);
    expect(result.providerTime?.getTime()).toBe(1663940662217);
    expect(result.providerTime?.toISOString()).toBe('2022-09-23T13:44:22.217Z');
    expect(result.partnerReferenceNo).toBe('testing012398120312');
  });

  it('Netzme Get Balance example under the default skew: Cash 0.00 IDR read, the 2022 ts not used (as of the request time), named', async () => {
    world.sim.patchAccount('netzme', 'XzIz2nVo', { faults: [canned(NETZME_BALANCE)] });
    const strict = world.newFactory({ providerTimeSkewMs: undefined });
    const result = await strict
      .get('netzme')
      .balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
    expect(result.availableBalance).toBe(0n);
    expect(result.providerTime).toBeNull();
    expect(result.providerTimeIgnored).toContain('additionalInfo.ts "1663940662217"');
    expect(result.providerTimeIgnored).toContain('beyond the allowed 600 s');
  });

  it('Netzme Get Account Status example (premium / regular / approved_v2) reads as active', async () => {
    world.sim.putAccounts([
      { provider: 'netzme', accountNo: 'Mw6STUQK', statusFaults: [canned(NETZME_STATUS)] },
    ]);
    const status = await world.factory.get('netzme').accountStatus('Mw6STUQK');
    expect(status.responseCode).toBe('2000800');
    expect(status.active).toBe(true);
    expect(status.inactiveBecause).toBeNull();
    expect(status.values).toMatchObject({ userStatus: 'premium', status: 'approved_v2' });
  });

  it('NICEPay (built from its table): 10000.00 IDR for the seller named in the request', async () => {
    world.sim.putAccounts([
      {
        provider: 'nicepay',
        accountNo: 'IONPAYTEST',
        msId: 'SELLER0001',
        faults: [canned(NICEPAY_TABLE)],
      },
    ]);
    const result = await world.factory
      .get('nicepay')
      .balanceInquiry({ accountNo: 'IONPAYTEST', currency: 'IDR', msId: 'SELLER0001' });
    expect(result.responseCode).toBe('2001100');
    expect(result.availableBalance).toBe(1_000_000n);
    expect(result.providerTime).toBeNull();
  });

  it('Finnet (built from its table): 10000.00 IDR and the merchant name', async () => {
    const { clientId } = world.partners.finnet;
    world.sim.putAccounts([
      { provider: 'finnet', accountNo: clientId, faults: [canned(FINNET_TABLE)] },
    ]);
    const result = await world.factory
      .get('finnet')
      .balanceInquiry({ accountNo: clientId, currency: 'IDR' });
    expect(result.responseCode).toBe('2001100');
    expect(result.availableBalance).toBe(1_000_000n);
    expect(result.providerName).toBe('Toko Sinar Jaya');
    expect(result.referenceNo).toBe('A1B2C3D4');
  });

  it('Finnet’s accountInfos as one object (its table gives no type, its Sample Response is empty): read as a list of one; the array form too; anything else refused', async () => {
    // "6 | accountInfos | M | Detail of Account Info": no "Array of Object" as NICEPay's has.
    expect(pageText(PAGES.finnetBalance)).toMatch(
      /\n6\n+accountInfos\n+M\n+Detail of Account Info\n/,
    );
    const { clientId } = world.partners.finnet;
    const table = JSON.parse(FINNET_TABLE) as Record<string, unknown>;
    const withInfos = (accountInfos: unknown) => JSON.stringify({ ...table, accountInfos });
    const entry = { availableBalance: { value: '10000.00', currency: 'IDR' } };
    const client = world.factory.get('finnet');
    const ask = () => client.balanceInquiry({ accountNo: clientId, currency: 'IDR' });
    world.sim.putAccounts([
      {
        provider: 'finnet',
        accountNo: clientId,
        faults: [canned(withInfos(entry)), canned(withInfos([entry]))],
      },
    ]);
    for (const form of ['object', 'array']) {
      const result = await ask();
      expect([form, result.availableBalance, result.providerName]).toEqual([
        form,
        1_000_000n,
        'Toko Sinar Jaya',
      ]);
    }
    for (const bad of [null, 'IDR 10000.00', []]) {
      world.sim.patchAccount('finnet', clientId, { faults: [canned(withInfos(bad))] });
      await expect(ask()).rejects.toMatchObject({
        kind: 'contract-breach',
        message: `finnet: accountInfos ${JSON.stringify(bad)} is not a list of balances`,
      });
    }
    // A problem inside the one object names it as it came (no [0]).
    const dollars = { availableBalance: { value: '10.00', currency: 'USD' } };
    world.sim.patchAccount('finnet', clientId, { faults: [canned(withInfos(dollars))] });
    await expect(ask()).rejects.toMatchObject({
      kind: 'contract-breach',
      message:
        'finnet: accountInfos.availableBalance.currency "USD" is not the account\'s currency "IDR"',
    });
  });
});
