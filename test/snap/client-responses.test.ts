import {
  ContractBreachError,
  PermanentSnapError,
  RateLimitedSnapError,
  SnapError,
  TransientSnapError,
} from '@app/snap';
import { World } from './support/world';

/**
 * Issue 11, item 3: answers read the way PROTOCOL.md §4 and the providers' pages mean them,
 * each case served by the simulator over HTTP (its `raw` fault answers a body exactly).
 */
describe('SnapClient reads provider answers as documented', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.create();
    world.sim.putAccounts([
      { provider: 'netzme', accountNo: 'NZ-1', balance: '100.00' },
      { provider: 'nicepay', accountNo: 'NPMERCH001', balance: '900000.00' },
      // A seller is its own account at NICEPay (accountNo + msId).
      { provider: 'nicepay', accountNo: 'NPMERCH001', msId: 'SELLER01', balance: '250.00' },
      {
        provider: 'finnet',
        accountNo: world.partners.finnet.clientId,
        balance: '75.00',
        name: 'Toko Satu',
      },
    ]);
  });
  afterAll(() => world.close());

  const raw = (
    provider: 'netzme' | 'nicepay',
    accountNo: string,
    status: number,
    body: unknown,
    msId?: string,
  ) =>
    world.sim.patchAccount(
      provider,
      accountNo,
      {
        faults: [
          {
            kind: 'raw',
            status,
            body: typeof body === 'string' ? body : JSON.stringify(body),
            times: 1,
          },
        ],
      },
      msId,
    );
  const netzme = () =>
    world.factory.get('netzme').balanceInquiry({ accountNo: 'NZ-1', currency: 'IDR' });
  const nicepay = (msId?: string) =>
    world.factory.get('nicepay').balanceInquiry({ accountNo: 'NPMERCH001', currency: 'IDR', msId });
  const failure = async (p: Promise<unknown>): Promise<SnapError> => {
    try {
      await p;
    } catch (e) {
      return e as SnapError;
    }
    throw new Error('expected the inquiry to fail');
  };

  describe('a gateway answer without responseCode', () => {
    it('HTTP 429 with JSON lacking responseCode is rate-limited (retried), not a breach', async () => {
      raw('netzme', 'NZ-1', 429, { error: 'Too Many Requests', retryAfter: 1 });
      const e = await failure(netzme());
      expect(e).toBeInstanceOf(RateLimitedSnapError);
      expect(e.retryable).toBe(true);
      expect(e.message).toContain('HTTP 429 without a responseCode');
    });

    it('HTTP 429 with a gateway’s HTML page is rate-limited too, not a breach', async () => {
      raw('netzme', 'NZ-1', 429, '<html><body><h1>429 Too Many Requests</h1></body></html>');
      const e = await failure(netzme());
      expect(e).toBeInstanceOf(RateLimitedSnapError);
      expect(e.details.responseCode).toBeUndefined();
      expect(e.message).toBe(
        'netzme: balance-inquiry answered HTTP 429 without a responseCode (not JSON)',
      );
    });

    it.each([500, 502, 503, 504])(
      'HTTP %i with JSON lacking responseCode is transient (retried), not a breach',
      async (status) => {
        raw('netzme', 'NZ-1', status, { message: 'upstream unavailable' });
        const e = await failure(netzme());
        expect(e).toBeInstanceOf(TransientSnapError);
        expect(e.retryable).toBe(true);
      },
    );

    it('HTTP 200 with JSON lacking responseCode is still a breach', async () => {
      raw('netzme', 'NZ-1', 200, { responseMessage: 'Successful' });
      expect(await failure(netzme())).toBeInstanceOf(ContractBreachError);
    });
  });

  describe('an HTTP status whose class disagrees with the body code', () => {
    it('HTTP 200 carrying 4041111 is a breach naming both', async () => {
      raw('netzme', 'NZ-1', 200, { responseCode: '4041111', responseMessage: 'Invalid Account' });
      const e = await failure(netzme());
      expect(e).toBeInstanceOf(ContractBreachError);
      expect(e.message).toContain('HTTP status 200 disagrees with responseCode 4041111');
      expect(e.details.responseCode).toBe('4041111');
    });

    it('HTTP 500 carrying 2001100 is a breach naming both', async () => {
      raw('netzme', 'NZ-1', 500, {
        responseCode: '2001100',
        responseMessage: 'Successful',
        accountInfos: [
          { balanceType: 'Cash', availableBalance: { value: '1.00', currency: 'IDR' } },
        ],
      });
      const e = await failure(netzme());
      expect(e).toBeInstanceOf(ContractBreachError);
      expect(e.message).toContain('HTTP status 500 disagrees with responseCode 2001100');
    });
  });

  it('several accountInfos and no balanceType configured (NICEPay) is a breach, never the first', async () => {
    raw('nicepay', 'NPMERCH001', 200, {
      responseCode: '2001100',
      responseMessage: 'Successful',
      accountNo: 'NPMERCH001',
      accountInfos: [
        { availableBalance: { value: '250.00', currency: 'IDR' } },
        { availableBalance: { value: '999.00', currency: 'IDR' } },
      ],
    });
    const e = await failure(nicepay());
    expect(e).toBeInstanceOf(ContractBreachError);
    expect(e.message).toContain('accountInfos has 2 entries');
    expect(e.message).toContain('SNAP_NICEPAY_BALANCE_TYPE');
  });

  describe('provider time sanity (Netzme additionalInfo.ts)', () => {
    const answer = (ts: string) => ({
      responseCode: '2001100',
      responseMessage: 'Successful',
      accountInfos: [
        { balanceType: 'Cash', availableBalance: { value: '100.00', currency: 'IDR' } },
      ],
      additionalInfo: { ts },
    });

    it('a value in seconds where milliseconds are expected is not used: the balance is read as of the request time, the reason names the value', async () => {
      const seconds = String(Math.floor(Date.now() / 1000));
      raw('netzme', 'NZ-1', 200, answer(seconds));
      const r = await netzme();
      expect(r.availableBalance).toBe(10_000n);
      expect(r.providerTime).toBeNull();
      expect(r.providerTimeIgnored).toContain(
        `netzme: additionalInfo.ts "${seconds}" looks like epoch seconds`,
      );
      expect(r.providerTimeIgnored).toContain(
        `the ledger is read as of the request time ${r.requestTime.toISOString()}`,
      );
    });

    it('a value an hour from the request time is not used, naming it; a wider configured skew accepts it', async () => {
      const hourAhead = String(Date.now() + 3_600_000);
      raw('netzme', 'NZ-1', 200, answer(hourAhead));
      const r = await netzme();
      expect(r.availableBalance).toBe(10_000n);
      expect(r.providerTime).toBeNull();
      expect(r.providerTimeIgnored).toContain(`additionalInfo.ts "${hourAhead}"`);
      expect(r.providerTimeIgnored).toContain('beyond the allowed 600 s');

      const lenient = world.newFactory({ providerTimeSkewMs: 2 * 3_600_000 });
      raw('netzme', 'NZ-1', 200, answer(hourAhead));
      const ok = await lenient.get('netzme').balanceInquiry({ accountNo: 'NZ-1', currency: 'IDR' });
      expect(ok.providerTime?.getTime()).toBe(Number(hourAhead));
      expect(ok.providerTimeIgnored).toBeNull();
    });

    it('a value beyond any date (a number of 16 digits) is not used, naming it; nothing throws', async () => {
      raw('netzme', 'NZ-1', 200, {
        ...answer('x'),
        additionalInfo: { ts: 9_000_000_000_000_000 },
      });
      const r = await netzme();
      expect(r.availableBalance).toBe(10_000n);
      expect(r.providerTime).toBeNull();
      expect(r.providerTimeIgnored).toContain('additionalInfo.ts 9000000000000000 is ');
      expect(r.providerTimeIgnored).toContain('beyond the allowed 600 s');
    });

    it('a value that is no number is not used either, naming it', async () => {
      raw('netzme', 'NZ-1', 200, answer('yesterday'));
      const r = await netzme();
      expect(r.availableBalance).toBe(10_000n);
      expect(r.providerTime).toBeNull();
      expect(r.providerTimeIgnored).toContain(
        'additionalInfo.ts "yesterday" is not epoch milliseconds',
      );
    });

    it("the simulator's own time (a string, as the page prints it) is accepted", async () => {
      const ok = await netzme();
      expect(Math.abs(ok.providerTime!.getTime() - Date.now())).toBeLessThan(60_000);
    });
  });

  describe('NICEPay sellers (msId)', () => {
    it('the request sends additionalInfo.msId and the echoed seller is accepted', async () => {
      const ok = await nicepay('SELLER01');
      expect(ok.availableBalance).toBe(25_000n);
    });

    const withoutEcho = {
      responseCode: '2001100',
      responseMessage: 'Successful',
      accountNo: 'NPMERCH001',
      accountInfos: [{ availableBalance: { value: '900000.00', currency: 'IDR' } }],
    };

    it("with sellerIdEcho 'required', an answer without the seller's msId (maybe the parent's balance) is a breach", async () => {
      raw('nicepay', 'NPMERCH001', 200, withoutEcho, 'SELLER01');
      const strict = world
        .newFactory({}, world.redis, { nicepay: { response: { sellerIdEcho: 'required' } } })
        .get('nicepay');
      const e = await failure(
        strict.balanceInquiry({ accountNo: 'NPMERCH001', currency: 'IDR', msId: 'SELLER01' }),
      );
      expect(e).toBeInstanceOf(ContractBreachError);
      expect(e.message).toContain('asked for seller msId "SELLER01"');
    });

    it('by default (NICEPay’s response table marks additionalInfo.msId Optional) an answer without it is read; another seller is a breach', async () => {
      raw('nicepay', 'NPMERCH001', 200, withoutEcho, 'SELLER01');
      expect((await nicepay('SELLER01')).availableBalance).toBe(90_000_000n);
      raw(
        'nicepay',
        'NPMERCH001',
        200,
        { ...withoutEcho, additionalInfo: { msId: 'SELLER99' } },
        'SELLER01',
      );
      const e = await failure(nicepay('SELLER01'));
      expect(e).toBeInstanceOf(ContractBreachError);
      expect(e.message).toContain('the answer\'s additionalInfo.msId is "SELLER99"');
    });

    it('a seller id on a provider whose profile knows no sellers is refused before it is sent, never a silent merchant balance', async () => {
      const asked = () => world.sim.stats().providers.netzme.byKind.balance?.requests ?? 0;
      const before = asked();
      const e = await failure(
        world.factory
          .get('netzme')
          .balanceInquiry({ accountNo: 'NZ-1', currency: 'IDR', msId: 'S1' }),
      );
      expect(e).toBeInstanceOf(PermanentSnapError);
      expect(e.message).toContain(
        'netzme: the account\'s msId "S1" is a seller id, and netzme knows no sellers: its balance request names none (providers with sellers: nicepay); not sent',
      );
      expect(asked()).toBe(before);
    });
  });

  it('Finnet: the merchant name the provider reports is read', async () => {
    const ok = await world.factory
      .get('finnet')
      .balanceInquiry({ accountNo: 'F', currency: 'IDR' });
    expect(ok.providerName).toBe('Toko Satu');
  });
});
