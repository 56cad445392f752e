import {
  ContractBreachError,
  PermanentSnapError,
  RateLimitedSnapError,
  SnapError,
  TokenRejectedSnapError,
  TransientSnapError,
} from '@app/snap';
import { FAULT_KINDS, FaultSpec } from '../../apps/snap-simulator/src';
import { rawCall } from './support/raw';
import { World } from './support/world';

type ErrorClass = abstract new (...args: never[]) => SnapError;

/** What each fault must turn into at the client, and the label the simulator counts. */
const EXPECTED: {
  fault: FaultSpec;
  error: ErrorClass;
  retryable: boolean;
  code?: string;
  label: string;
}[] = [
  {
    fault: { kind: '500' },
    error: TransientSnapError,
    retryable: true,
    code: '5001100',
    label: '5001100',
  },
  {
    fault: { kind: '504' },
    error: TransientSnapError,
    retryable: true,
    code: '5041100',
    label: '5041100',
  },
  {
    fault: { kind: '429' },
    error: RateLimitedSnapError,
    retryable: true,
    code: '4291100',
    label: '4291100',
  },
  {
    fault: { kind: '403xx04' },
    error: RateLimitedSnapError,
    retryable: true,
    code: '4031104',
    label: '4031104',
  },
  {
    fault: { kind: '404xx11' },
    error: PermanentSnapError,
    retryable: false,
    code: '4041111',
    label: '4041111',
  },
  {
    // Netzme's answer for an account it does not hold (its pages' 4041111 Invalid Account).
    fault: { kind: 'unknown-account' },
    error: PermanentSnapError,
    retryable: false,
    code: '4041111',
    label: '4041111',
  },
  {
    fault: { kind: '400xx01' },
    error: PermanentSnapError,
    retryable: false,
    code: '4001101',
    label: '4001101',
  },
  {
    fault: { kind: '202' },
    error: TransientSnapError,
    retryable: true,
    code: '2021100',
    label: '2021100',
  },
  {
    fault: { kind: 'code', responseCode: '4031105' },
    error: PermanentSnapError,
    retryable: false,
    code: '4031105',
    label: '4031105',
  },
  {
    fault: { kind: 'read-timeout' },
    error: TransientSnapError,
    retryable: true,
    label: 'read-timeout',
  },
  {
    fault: { kind: 'connection-reset' },
    error: TransientSnapError,
    retryable: true,
    label: 'connection-reset',
  },
  // A body that is not JSON is a contract breach, but retryable: usually a gateway's error page.
  { fault: { kind: 'non-json' }, error: ContractBreachError, retryable: true, label: 'non-json' },
  { fault: { kind: 'no-code' }, error: ContractBreachError, retryable: false, label: 'no-code' },
  {
    fault: { kind: 'raw', status: 503, contentType: 'text/plain', body: 'upstream down' },
    error: ContractBreachError,
    retryable: true,
    label: 'raw',
  },
  {
    fault: { kind: 'no-balance' },
    error: ContractBreachError,
    retryable: false,
    code: '2001100',
    label: '2001100',
  },
  {
    fault: { kind: 'bad-amount' },
    error: ContractBreachError,
    retryable: false,
    code: '2001100',
    label: '2001100',
  },
  {
    fault: { kind: 'wrong-currency' },
    error: ContractBreachError,
    retryable: false,
    code: '2001100',
    label: '2001100',
  },
];

const READ_MS = 600;

describe('SnapClient against the simulator: every fault ends in the right error class', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.create({ readMs: READ_MS, simulator: { readTimeoutHoldMs: 20_000 } });
    world.sim.putAccounts(
      EXPECTED.map((e, i) => ({
        provider: 'netzme' as const,
        accountNo: `FAULT-${i}`,
        balance: '500.00',
        faults: [{ ...e.fault, times: 1 }],
      })),
    );
  });

  afterAll(() => world.close());

  it('covers every fault kind except the token ones (tested below)', () => {
    const covered = new Set(EXPECTED.map((e) => e.fault.kind));
    expect(FAULT_KINDS.filter((k) => !covered.has(k))).toEqual(['token-revoked', 'token-rejected']);
  });

  it.each(EXPECTED.map((e, i) => [e.fault.kind + (e.fault.responseCode ?? ''), i, e] as const))(
    '%s',
    async (_name, i, expected) => {
      const client = world.factory.get('netzme');
      const account = { accountNo: `FAULT-${i}`, currency: 'IDR' };
      world.sim.resetStats();
      const error = await client.balanceInquiry(account).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(expected.error);
      const snapError = error as SnapError;
      expect(snapError.retryable).toBe(expected.retryable);
      expect(snapError.details.provider).toBe('netzme');
      if (expected.code) expect(snapError.details.responseCode).toBe(expected.code);
      expect(world.sim.stats().providers.netzme.byKind.balance.byCode).toEqual({
        [expected.label]: 1,
      });
      // The fault was used up: the next inquiry succeeds.
      const ok = await client.balanceInquiry(account);
      expect(ok.availableBalance).toBe(50_000n);
    },
  );

  it('a request that got no answer names where it went, so a wrong base URL can be told from a provider down (a tester could not)', async () => {
    world.sim.putAccounts([
      {
        provider: 'netzme',
        accountNo: 'FAULT-WHERE',
        balance: '1.00',
        faults: [{ kind: 'connection-reset', times: 1 }],
      },
    ]);
    const error = await world.factory
      .get('netzme')
      .balanceInquiry({ accountNo: 'FAULT-WHERE', currency: 'IDR' })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      `netzme: balance-inquiry failed: ECONNRESET (at ${new URL(world.baseUrl).host})`,
    );
  });

  it('faults are consumed in order, `times` counting down', async () => {
    world.sim.putAccounts([
      {
        provider: 'nicepay',
        accountNo: 'SEQ0000001',
        balance: '1.00',
        faults: [{ kind: '500', times: 2 }, { kind: '429' }],
      },
    ]);
    const client = world.factory.get('nicepay');
    const account = { accountNo: 'SEQ0000001', currency: 'IDR' };
    const classes: string[] = [];
    for (let i = 0; i < 4; i++) {
      classes.push(
        await client.balanceInquiry(account).then(
          () => 'ok',
          (e: SnapError) => `${e.name}:${e.details.responseCode}`,
        ),
      );
    }
    // A fault without `times` stays forever.
    expect(classes).toEqual([
      'TransientSnapError:5001100',
      'TransientSnapError:5001100',
      'RateLimitedSnapError:4291100',
      'RateLimitedSnapError:4291100',
    ]);
    world.sim.patchAccount('nicepay', 'SEQ0000001', { faults: [] });
    await expect(client.balanceInquiry(account)).resolves.toMatchObject({ availableBalance: 100n });
  });

  it('Finnet faults apply to the partner-keyed account', async () => {
    const clientId = world.partners.finnet.clientId;
    world.sim.putAccounts([
      {
        provider: 'finnet',
        accountNo: clientId,
        balance: '9.99',
        faults: [{ kind: '504', times: 1 }],
      },
    ]);
    const client = world.factory.get('finnet');
    await expect(
      client.balanceInquiry({ accountNo: clientId, currency: 'IDR' }),
    ).rejects.toBeInstanceOf(TransientSnapError);
    await expect(
      client.balanceInquiry({ accountNo: clientId, currency: 'IDR' }),
    ).resolves.toMatchObject({
      availableBalance: 999n,
    });
  });

  it('an unknown account is permanent 404xx11', async () => {
    const error = await world.factory
      .get('nicepay')
      .balanceInquiry({ accountNo: 'NOSUCHACCT', currency: 'IDR' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentSnapError);
    expect((error as SnapError).details.responseCode).toBe('4041111');
  });

  it('Finnet: the unknown-account fault answers its page’s 4041108 Invalid merchant, permanent', async () => {
    const accountNo = world.partners.finnet.clientId;
    world.sim.putAccounts([
      {
        provider: 'finnet',
        accountNo,
        balance: '42.00',
        faults: [{ kind: 'unknown-account', times: 1 }],
      },
    ]);
    const error = await world.factory
      .get('finnet')
      .balanceInquiry({ accountNo, currency: 'IDR' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentSnapError);
    expect((error as SnapError).details.responseCode).toBe('4041108');
  });

  describe('token rejections', () => {
    const tokens = () => world.sim.stats().providers.finnet.tokensIssued;
    const account = () => ({ accountNo: world.partners.finnet.clientId, currency: 'IDR' });

    beforeEach(async () => {
      world.sim.putAccounts([
        { provider: 'finnet', accountNo: world.partners.finnet.clientId, balance: '42.00' },
      ]);
      await world.factory.get('finnet').balanceInquiry(account()); // make sure a token is cached
    });

    it('token-revoked: the token is refreshed exactly once and the call then succeeds', async () => {
      world.sim.patchAccount('finnet', world.partners.finnet.clientId, {
        faults: [{ kind: 'token-revoked', times: 1 }],
      });
      const before = tokens();
      world.sim.resetStats();
      const result = await world.factory.get('finnet').balanceInquiry(account());
      expect(result.availableBalance).toBe(4_200n);
      const stats = world.sim.stats().providers.finnet;
      expect(stats.tokensIssued).toBe(1);
      expect(stats.byKind.balance.byCode).toEqual({ '4011101': 1, '2001100': 1 });
      expect(before).toBeGreaterThanOrEqual(1);
      // The refreshed token keeps working without another token request.
      await world.factory.get('finnet').balanceInquiry(account());
      expect(world.sim.stats().providers.finnet.tokensIssued).toBe(1);
    });

    it('token-rejected: refreshed once, while the old token keeps working for other callers', async () => {
      const old = await world.factory.get('finnet').tokens.get();
      world.sim.patchAccount('finnet', world.partners.finnet.clientId, {
        faults: [{ kind: 'token-rejected', times: 1 }],
      });
      world.sim.resetStats();
      await expect(world.factory.get('finnet').balanceInquiry(account())).resolves.toMatchObject({
        availableBalance: 4_200n,
      });
      expect(world.sim.stats().providers.finnet.tokensIssued).toBe(1);
      expect(world.sim.stats().providers.finnet.byKind.balance.byCode).toEqual({
        '4011101': 1,
        '2001100': 1,
      });
      const stillValid = await rawCall(
        world.baseUrl,
        world.sim.paths.finnet,
        world.partners.finnet,
        old,
      );
      expect(stillValid.json.responseCode).toBe('2001100');
    });

    it('401xx03 (token not found) is also refreshed once', async () => {
      world.sim.patchAccount('finnet', world.partners.finnet.clientId, {
        faults: [{ kind: 'code', responseCode: '4011103', times: 1 }],
      });
      world.sim.resetStats();
      await expect(world.factory.get('finnet').balanceInquiry(account())).resolves.toMatchObject({
        availableBalance: 4_200n,
      });
      expect(world.sim.stats().providers.finnet.tokensIssued).toBe(1);
    });

    it('a token revoked again after the refresh fails as TokenRejectedSnapError, with one refresh only', async () => {
      world.sim.patchAccount('finnet', world.partners.finnet.clientId, {
        faults: [{ kind: 'token-revoked' }],
      });
      world.sim.resetStats();
      const error = await world.factory
        .get('finnet')
        .balanceInquiry(account())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenRejectedSnapError);
      expect((error as SnapError).retryable).toBe(true);
      const stats = world.sim.stats().providers.finnet;
      expect(stats.tokensIssued).toBe(1);
      expect(stats.byKind.balance.byCode).toEqual({ '4011101': 2 });
    });

    it('a token revoked through the admin API is replaced on the next call', async () => {
      const res = await fetch(`${world.baseUrl}/admin/tokens/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'finnet' }),
      });
      // Every live Finnet token goes (the 401xx03 test above left an old one alive too).
      const { revoked } = (await res.json()) as { revoked: number };
      expect(revoked).toBeGreaterThanOrEqual(1);
      world.sim.resetStats();
      await expect(world.factory.get('finnet').balanceInquiry(account())).resolves.toMatchObject({
        availableBalance: 4_200n,
      });
      expect(world.sim.stats().providers.finnet.tokensIssued).toBe(1);
    });
  });

  it('a duplicate external id (409) is retried once with a new id', async () => {
    world.sim.putAccounts([
      {
        provider: 'netzme',
        accountNo: 'DUP-1',
        balance: '3.00',
        faults: [{ kind: 'code', responseCode: '4091100', times: 1 }],
      },
      {
        provider: 'netzme',
        accountNo: 'DUP-2',
        balance: '3.00',
        faults: [{ kind: 'code', responseCode: '4091100', times: 2 }],
      },
    ]);
    const client = world.factory.get('netzme');
    await expect(
      client.balanceInquiry({ accountNo: 'DUP-1', currency: 'IDR' }),
    ).resolves.toMatchObject({
      availableBalance: 300n,
    });
    const error = await client
      .balanceInquiry({ accountNo: 'DUP-2', currency: 'IDR' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientSnapError);
    expect((error as SnapError).details.responseCode).toBe('4091100');
  });
});
