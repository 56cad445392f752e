import { externalId, rawCall, RawCallOptions, tokenFor } from './support/raw';
import { makePartner, partnerSpec, World } from './support/world';

/**
 * The simulator's answers have the shape of the providers' own example responses
 * (shared/seeds/), field for field and in the printed order, checked over HTTP with hand-made
 * signed requests (no client in between).
 */
describe('simulator answers follow the providers’ pages', () => {
  let world: World;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    world = await World.create();
    world.sim.putAccounts([
      { provider: 'netzme', accountNo: 'XzIz2nVo', balance: '1343486.00' },
      { provider: 'netzme', accountNo: 'BLOCKED1', status: 'blocked' },
      { provider: 'nicepay', accountNo: 'IONPAYTEST', balance: '20.00' },
      { provider: 'nicepay', accountNo: 'IONPAYTEST', msId: 'SELLER01', balance: '3.00' },
      {
        provider: 'finnet',
        accountNo: world.partners.finnet.clientId,
        balance: '30.00',
        name: 'Toko Sinar Jaya',
      },
    ]);
    for (const p of ['netzme', 'nicepay', 'finnet'] as const) {
      tokens[p] = await tokenFor(world.baseUrl, world.sim.paths[p], world.partners[p]);
    }
  });

  afterAll(() => world.close());

  const call = (provider: 'netzme' | 'nicepay' | 'finnet', o: RawCallOptions = {}) =>
    rawCall(
      world.baseUrl,
      world.sim.paths[provider],
      world.partners[provider],
      tokens[provider],
      o,
    );

  it('Netzme balance: the page’s fields in its order, ts a string of epoch ms, Cash and Points', async () => {
    const ref = externalId();
    const before = Date.now();
    const answer = await call('netzme', {
      body: { partnerReferenceNo: ref, accountNo: 'XzIz2nVo' },
    });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json)).toEqual([
      'responseCode',
      'responseMessage',
      'partnerReferenceNo',
      'accountInfos',
      'additionalInfo',
    ]);
    expect(answer.json).toMatchObject({
      responseCode: '2001100',
      responseMessage: 'Successfull',
      partnerReferenceNo: ref,
      accountInfos: [
        { balanceType: 'Cash', availableBalance: { value: '1343486.00', currency: 'IDR' } },
        { balanceType: 'Points', availableBalance: { value: '0.00', currency: 'IDR' } },
      ],
      additionalInfo: { type: 'get_aggregator_balance' },
    });
    const ts = (answer.json.additionalInfo as { ts: unknown }).ts;
    expect(typeof ts).toBe('string');
    expect(ts).toMatch(/^\d{13}$/);
    expect(Number(ts)).toBeGreaterThanOrEqual(before);
    expect(Number(ts)).toBeLessThanOrEqual(Date.now());
  });

  it('Netzme account status: a known account answers the page’s example verbatim', async () => {
    const answer = await call('netzme', {
      endpoint: 'account-inquiry',
      body: {
        partnerReferenceNo: '2020102900000000000001',
        additionalInfo: { custId: 'XzIz2nVo' },
      },
    });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json)).toEqual([
      'responseCode',
      'responseMessage',
      'partnerReferenceNo',
      'referenceNo',
      'additionalInfo',
    ]);
    expect(answer.json).toEqual({
      responseCode: '2000800',
      responseMessage: 'Successful',
      partnerReferenceNo: '2020102900000000000001',
      referenceNo: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      ),
      additionalInfo: {
        userStatus: 'premium',
        userType: 'regular',
        status: 'approved_v2',
        benefits: ['Request approved'],
      },
    });
  });

  it('Netzme account status values come from the seed and the admin API (blocked)', async () => {
    const ask = (custId: string) =>
      call('netzme', {
        endpoint: 'account-inquiry',
        body: { partnerReferenceNo: externalId(), additionalInfo: { custId } },
      });
    expect((await ask('BLOCKED1')).json.additionalInfo).toMatchObject({
      userStatus: 'premium',
      status: 'blocked',
    });
    world.sim.patchAccount('netzme', 'BLOCKED1', { userStatus: 'frozen', benefits: [] });
    expect((await ask('BLOCKED1')).json.additionalInfo).toEqual({
      userStatus: 'frozen',
      userType: 'regular',
      status: 'blocked',
      benefits: [],
    });
    const unknown = await ask('NOBODY');
    expect(unknown.status).toBe(404);
    expect(unknown.json.responseCode).toBe('4040811');
  });

  it('Netzme provider time in seconds or off by a skew, per account', async () => {
    world.sim.patchAccount('netzme', 'XzIz2nVo', { providerTimeUnit: 's' });
    const inSeconds = await call('netzme', { accountNo: 'XzIz2nVo' });
    expect((inSeconds.json.additionalInfo as { ts: string }).ts).toMatch(/^\d{10}$/);
    world.sim.patchAccount('netzme', 'XzIz2nVo', {
      providerTimeUnit: 'ms',
      providerTimeOffsetMs: -3_600_000,
    });
    const skewed = await call('netzme', { accountNo: 'XzIz2nVo' });
    const ts = Number((skewed.json.additionalInfo as { ts: string }).ts);
    expect(Date.now() - ts).toBeGreaterThanOrEqual(3_600_000);
    expect(Date.now() - ts).toBeLessThan(3_600_000 + 60_000);
    world.sim.patchAccount('netzme', 'XzIz2nVo', { providerTimeOffsetMs: 0 });
  });

  it('several accountInfos: extra entries and the main type are per account', async () => {
    world.sim.patchAccount('nicepay', 'IONPAYTEST', {
      extraBalances: [{ value: '5.00' }, { balanceType: 'HOLD', value: '1.00', currency: 'IDR' }],
    });
    const answer = await call('nicepay', { accountNo: 'IONPAYTEST' });
    expect(answer.json.accountInfos).toEqual([
      { availableBalance: { value: '20.00', currency: 'IDR' } },
      { availableBalance: { value: '5.00', currency: 'IDR' } },
      { balanceType: 'HOLD', availableBalance: { value: '1.00', currency: 'IDR' } },
    ]);
    world.sim.patchAccount('nicepay', 'IONPAYTEST', { extraBalances: [] });
  });

  it('NICEPay: accountNo and accountInfos; a seller (msId) is its own account, echoed', async () => {
    const parent = await call('nicepay', { body: { accountNo: 'IONPAYTEST' } });
    expect(parent.json).toEqual({
      responseCode: '2001100',
      responseMessage: 'Successful',
      accountNo: 'IONPAYTEST',
      accountInfos: [{ availableBalance: { value: '20.00', currency: 'IDR' } }],
    });
    const seller = await call('nicepay', {
      body: { accountNo: 'IONPAYTEST', additionalInfo: { msId: 'SELLER01' } },
    });
    expect(seller.json).toEqual({
      responseCode: '2001100',
      responseMessage: 'Successful',
      accountNo: 'IONPAYTEST',
      accountInfos: [{ availableBalance: { value: '3.00', currency: 'IDR' } }],
      additionalInfo: { msId: 'SELLER01' },
    });
    const unknownSeller = await call('nicepay', {
      body: { accountNo: 'IONPAYTEST', additionalInfo: { msId: 'SELLER99' } },
    });
    expect(unknownSeller.status).toBe(404);
    expect(unknownSeller.json.responseCode).toBe('4041111');
  });

  it('Finnet: referenceNo String(8), partnerReferenceNo, the merchant name, accountInfos', async () => {
    const ref = externalId();
    const answer = await call('finnet', { body: { partnerReferenceNo: ref } });
    expect(Object.keys(answer.json)).toEqual([
      'responseCode',
      'responseMessage',
      'referenceNo',
      'partnerReferenceNo',
      'name',
      'accountInfos',
    ]);
    expect(answer.json).toMatchObject({
      responseCode: '2001100',
      partnerReferenceNo: ref,
      name: 'Toko Sinar Jaya',
      accountInfos: [{ availableBalance: { value: '30.00', currency: 'IDR' } }],
    });
    expect(answer.json.referenceNo).toMatch(/^\d{8}$/);
  });

  it('Finnet: a partner without a merchant answers 404 4041108 Invalid merchant, as its table says', async () => {
    const stranger = makePartner('finnet');
    world.sim.registerPartners([partnerSpec(stranger)]);
    const token = await tokenFor(world.baseUrl, world.sim.paths.finnet, stranger);
    const answer = await rawCall(world.baseUrl, world.sim.paths.finnet, stranger, token);
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ responseCode: '4041108', responseMessage: 'Invalid merchant' });
  });
});
