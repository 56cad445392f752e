import {
  ContractBreachError,
  CredentialRefusedError,
  RateLimitedSnapError,
  SnapError,
  TokenRequestError,
  TransientSnapError,
} from '@app/snap';
import { TOKEN_FAULT_KINDS, TokenFaultSpec } from '../../apps/snap-simulator/src';
import { World } from './support/world';

type ErrorClass = abstract new (...args: never[]) => SnapError;

/** `held`: a refusal of the credentials, held by the client (credential-refusal.test.ts). */
const EXPECTED: {
  fault: TokenFaultSpec;
  error: ErrorClass;
  retryable: boolean;
  held?: boolean;
}[] = [
  { fault: { kind: '500' }, error: TransientSnapError, retryable: true },
  { fault: { kind: '504' }, error: TransientSnapError, retryable: true },
  { fault: { kind: '429' }, error: RateLimitedSnapError, retryable: true },
  { fault: { kind: 'connection-reset' }, error: TransientSnapError, retryable: true },
  { fault: { kind: 'read-timeout' }, error: TransientSnapError, retryable: true },
  { fault: { kind: 'non-json' }, error: ContractBreachError, retryable: true },
  { fault: { kind: 'no-code' }, error: ContractBreachError, retryable: false },
  { fault: { kind: 'no-token' }, error: ContractBreachError, retryable: false },
  { fault: { kind: 'bad-expires-in' }, error: ContractBreachError, retryable: false },
  {
    fault: { kind: 'code', responseCode: '4017300' },
    error: CredentialRefusedError,
    retryable: false,
    held: true,
  },
  // A 404 says nothing of the credentials: not held, but never about the account either.
  { fault: { kind: 'code', responseCode: '4047308' }, error: TokenRequestError, retryable: false },
];

describe('token endpoint faults reach the caller of a balance inquiry classified', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.create({ readMs: 500, simulator: { readTimeoutHoldMs: 10_000 } });
    world.sim.putAccounts([{ provider: 'nicepay', accountNo: 'TOKFAULT01', balance: '8.00' }]);
  });

  afterAll(() => world.close());

  it('covers every token fault kind', () => {
    expect([...new Set([...EXPECTED.map((e) => e.fault.kind), 'slow'])].sort()).toEqual(
      [...TOKEN_FAULT_KINDS].sort(),
    );
  });

  it('slow: the token comes delayMs later (and a slow fault needs delayMs)', async () => {
    await world.clearRedis();
    const factory = world.newFactory();
    const { clientId } = world.partners.nicepay;
    expect(() => world.sim.setTokenFaults('nicepay', clientId, [{ kind: 'slow' }])).toThrow(
      'a fault of kind "slow" needs delayMs',
    );
    world.sim.setTokenFaults('nicepay', clientId, [{ kind: 'slow', delayMs: 300, times: 1 }]);
    const started = Date.now();
    await expect(factory.get('nicepay').tokens.get()).resolves.toEqual(expect.any(String));
    // A 300 ms timer can read 299 ms on Date.now() (its clock is not the timers' clock).
    expect(Date.now() - started).toBeGreaterThanOrEqual(300 - 2);
  });

  it.each(
    EXPECTED.map(
      (e) =>
        [[e.fault.kind, e.fault.kind === 'code' ? e.fault.responseCode : ''].join(' '), e] as const,
    ),
  )('%s', async (_kind, expected) => {
    await world.clearRedis();
    // A refused token request (the `code` row) is held (credential-refusal.test.ts); no hold
    // here, so that the same client asks again at once. Every other fault must not start one.
    const factory = world.newFactory(expected.held ? { tokenRefusalHoldMs: 0 } : {});
    world.sim.setTokenFaults('nicepay', world.partners.nicepay.clientId, [
      { ...expected.fault, times: 1 },
    ]);
    const error = await factory
      .get('nicepay')
      .balanceInquiry({ accountNo: 'TOKFAULT01', currency: 'IDR' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(expected.error);
    expect((error as SnapError).retryable).toBe(expected.retryable);
    // Whatever the provider sent, an error never carries a token or the secret.
    const shown = JSON.stringify({
      message: (error as Error).message,
      details: (error as SnapError).details,
    });
    expect(shown).not.toContain(world.partners.nicepay.clientSecret);
    expect(shown).not.toMatch(/"accessToken\\?":\s*\\?"(?!\[REDACTED\])/);
    // The fault is used up: the same client recovers.
    await expect(
      factory.get('nicepay').balanceInquiry({ accountNo: 'TOKFAULT01', currency: 'IDR' }),
    ).resolves.toMatchObject({ availableBalance: 800n });
  });

  it('token faults can be set through the admin API', async () => {
    await world.clearRedis();
    const res = await fetch(
      `${world.baseUrl}/admin/partners/nicepay/${world.partners.nicepay.clientId}/token-faults`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ kind: '500', times: 1 }]),
      },
    );
    expect(await res.json()).toEqual({ ok: true });
    const factory = world.newFactory();
    await expect(
      factory.get('nicepay').balanceInquiry({ accountNo: 'TOKFAULT01', currency: 'IDR' }),
    ).rejects.toBeInstanceOf(TransientSnapError);
    const bad = await fetch(`${world.baseUrl}/admin/partners/nicepay/NOBODY/token-faults`, {
      method: 'PUT',
      body: JSON.stringify([{ kind: '500' }]),
    });
    expect(bad.status).toBe(400);
  });
});
