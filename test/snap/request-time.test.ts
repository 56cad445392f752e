import { World } from './support/world';

/**
 * The instant a balance is compared as of, for a provider that gives no time of its own
 * (NICEPay): when the answering request left, not when the call began. A token fetch, a
 * refused token and its retry came before it and once put the ledger's instant seconds early
 * (found by a money-logic review). Against the simulator over HTTP, each answer 400 ms late.
 */
describe('balance inquiry: the request time is the answering attempt’s', () => {
  let world: World;
  const LATENCY_MS = 400;

  beforeAll(async () => {
    world = await World.create();
    world.sim.putAccounts([
      {
        provider: 'nicepay',
        accountNo: 'REQTIME001',
        balance: '8.00',
        latencyMs: LATENCY_MS,
        faults: [{ kind: 'token-rejected', times: 1 }],
      },
    ]);
  });
  afterAll(() => world.close());

  it('a refused token and its retry come before the request time; the answer comes 400 ms after it', async () => {
    const began = Date.now();
    const result = await world
      .newFactory()
      .get('nicepay')
      .balanceInquiry({ accountNo: 'REQTIME001', currency: 'IDR' });
    const answered = Date.now();
    expect(result.providerTime).toBeNull();
    // The refused attempt waited its 400 ms before the answering one left. (A 400 ms timer can
    // read 399 ms on Date.now(), whose clock is not the timers' clock: 2 ms of slack.)
    expect(result.requestTime.getTime()).toBeGreaterThanOrEqual(began + LATENCY_MS - 2);
    expect(result.requestTime.getTime()).toBeLessThanOrEqual(answered - LATENCY_MS + 2);
  });
});
