import { BalanceInquiryResult } from '@app/snap';
import { World } from './support/world';

describe('SnapClient against the simulator: successful inquiries', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.create({ simulator: { clockOffsetMs: 1_500 } });
    const { netzme, finnet } = world.partners;
    world.sim.putAccounts([
      { provider: 'netzme', accountNo: 'CUST-001', balance: '10000.00', status: 'approved_v2' },
      { provider: 'netzme', accountNo: 'CUST-002', balance: '0.05', userStatus: 'Blocked' },
      { provider: 'nicepay', accountNo: 'IONPAYTEST', balance: '1234567890123456.78' },
      {
        provider: 'nicepay',
        accountNo: 'USDMERCH01',
        msId: 'SELLER01',
        balance: '-12.30',
        currency: 'USD',
      },
      { provider: 'finnet', accountNo: finnet.clientId, balances: ['100.00', '250.50', '75.25'] },
    ]);
    expect(netzme).toBeDefined();
  });

  afterAll(() => world.close());

  it('Netzme: Cash balance as bigint minor units, provider time from additionalInfo.ts, 2001100', async () => {
    const before = Date.now();
    const result = await world.factory
      .get('netzme')
      .balanceInquiry({ accountNo: 'CUST-001', currency: 'IDR' });
    const after = Date.now();
    expect(result.availableBalance).toBe(1_000_000n);
    expect(typeof result.availableBalance).toBe('bigint');
    expect(result.currency).toBe('IDR');
    expect(result.responseCode).toBe('2001100');
    expect(result.balances.map((b) => b.balanceType)).toEqual(['Cash', 'Points']);
    // The simulator's clock runs 1.5 s ahead.
    expect(result.providerTime).toBeInstanceOf(Date);
    const t = result.providerTime!.getTime();
    expect(t).toBeGreaterThanOrEqual(before + 1_500);
    expect(t).toBeLessThanOrEqual(after + 1_500);
    expect(result.externalId).toMatch(/^\d{32}$/);
    expect(result.partnerReferenceNo).toBe(result.externalId);
    // The Get Balance page's example answer carries no referenceNo.
    expect(result.referenceNo).toBeUndefined();
  });

  it('NICEPay: 16-digit balance exactly, no provider time', async () => {
    const result = await world.factory
      .get('nicepay')
      .balanceInquiry({ accountNo: 'IONPAYTEST', currency: 'IDR' });
    expect(result.availableBalance).toBe(123456789012345678n);
    expect(result.availableBalance > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(result.providerTime).toBeNull();
    expect(result.responseCode).toBe('2001100');
  });

  it('NICEPay: negative balance in another currency, seller id in the body', async () => {
    const result = await world.factory
      .get('nicepay')
      .balanceInquiry({ accountNo: 'USDMERCH01', currency: 'USD', msId: 'SELLER01' });
    expect(result.availableBalance).toBe(-1230n);
    expect(result.currency).toBe('USD');
  });

  it('Finnet: the account is the partner itself; a balance sequence is answered in turn, the last repeating', async () => {
    const client = world.factory.get('finnet');
    const account = { accountNo: world.partners.finnet.clientId, currency: 'IDR' };
    const seen: BalanceInquiryResult[] = [];
    for (let i = 0; i < 4; i++) seen.push(await client.balanceInquiry(account));
    expect(seen.map((r) => r.availableBalance)).toEqual([10_000n, 25_050n, 7_525n, 7_525n]);
    expect(seen.every((r) => r.responseCode === '2001100')).toBe(true);
    expect(new Set(seen.map((r) => r.externalId)).size).toBe(4);
    expect(world.sim.account('finnet', world.partners.finnet.clientId)?.served).toBe(4);
  });

  it('Netzme account status: a page value is active, "Blocked" (any case) is not, 2000800', async () => {
    const client = world.factory.get('netzme');
    const active = await client.accountStatus('CUST-001');
    expect(active).toMatchObject({
      custId: 'CUST-001',
      active: true,
      inactiveBecause: null,
      responseCode: '2000800',
    });
    expect(active.values.status).toBe('approved_v2');
    const inactive = await client.accountStatus('CUST-002');
    expect(inactive).toMatchObject({
      custId: 'CUST-002',
      active: false,
      values: { userStatus: 'Blocked', status: 'approved_v2' },
    });
    expect(inactive.inactiveBecause).toMatch(/=Blocked$/);
  });

  it('one token per provider served every call, and the stats say so', () => {
    const stats = world.sim.stats();
    expect(stats.providers.netzme.tokensIssued).toBe(1);
    expect(stats.providers.nicepay.tokensIssued).toBe(1);
    expect(stats.providers.finnet.tokensIssued).toBe(1);
    expect(stats.providers.netzme.byKind.balance.byCode).toEqual({ '2001100': 1 });
    expect(stats.providers.netzme.byKind['account-inquiry'].byCode).toEqual({ '2000800': 2 });
    expect(stats.providers.netzme.byKind.token.byCode).toEqual({ '2007300': 1 });
    expect(stats.providers.finnet.byCode).toEqual({ '2007300': 1, '2001100': 4 });
    expect(stats.providers.nicepay.requests).toBe(3);
    expect(stats.totalRequests).toBe(4 + 3 + 5);
    expect(stats.unrouted).toBe(0);
    expect(world.tokenEvents.sort()).toEqual([
      'finnet/default',
      'netzme/default',
      'nicepay/default',
    ]);
  });
});
