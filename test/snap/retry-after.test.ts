import { request } from 'undici';
import { RateLimitedSnapError, SnapError } from '@app/snap';
import type { FaultSpec } from '../../apps/snap-simulator/src';
import { World } from './support/world';

/**
 * A provider's `Retry-After` (RFC 9110 §10.2.3) on a 429 reaches the caller on the
 * {@link RateLimitedSnapError}, over real HTTP from the simulator: the worker waits that long.
 */
describe('Retry-After on a 429 reaches the client’s RateLimitedSnapError', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.create();
  });

  afterAll(() => world.close());

  async function balanceError(accountNo: string, fault: FaultSpec): Promise<unknown> {
    world.sim.putAccounts([
      { provider: 'nicepay', accountNo, balance: '1.00', faults: [{ ...fault, times: 1 }] },
    ]);
    return world.factory
      .get('nicepay')
      .balanceInquiry({ accountNo, currency: 'IDR' })
      .then(
        () => null,
        (e: unknown) => e,
      );
  }

  it('a 4291100 with Retry-After: 7 asks for 7000 ms', async () => {
    const error = await balanceError('RETRYAF001', { kind: '429', retryAfter: '7' });
    expect(error).toBeInstanceOf(RateLimitedSnapError);
    expect((error as RateLimitedSnapError).details.responseCode).toBe('4291100');
    expect((error as RateLimitedSnapError).retryAfterMs).toBe(7_000);
  });

  it('an HTTP-date is the time until it', async () => {
    const at = new Date(Math.floor((Date.now() + 30_000) / 1000) * 1000);
    const error = await balanceError('RETRYAF002', { kind: '429', retryAfter: at.toUTCString() });
    const ms = (error as RateLimitedSnapError).retryAfterMs!;
    expect(ms).toBeGreaterThan(25_000);
    expect(ms).toBeLessThanOrEqual(30_000);
  });

  it.each([
    ['no header', undefined, 'RETRYAF004'],
    ['garbage', 'soon', 'RETRYAF005'],
    ['a negative number', '-3', 'RETRYAF006'],
  ])('%s: null (our own pause applies)', async (_what, retryAfter, accountNo) => {
    const error = await balanceError(accountNo, {
      kind: '429',
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
    expect(error).toBeInstanceOf(RateLimitedSnapError);
    expect((error as RateLimitedSnapError).retryAfterMs).toBeNull();
  });

  it('a 429 to the token request carries it too', async () => {
    await world.clearRedis();
    world.sim.putAccounts([{ provider: 'nicepay', accountNo: 'RETRYAF003', balance: '1.00' }]);
    world.sim.setTokenFaults('nicepay', world.partners.nicepay.clientId, [
      { kind: '429', retryAfter: '11', times: 1 },
    ]);
    const error = await world
      .newFactory()
      .get('nicepay')
      .balanceInquiry({ accountNo: 'RETRYAF003', currency: 'IDR' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedSnapError);
    expect((error as SnapError).details.responseCode).toBe('4297300');
    expect((error as RateLimitedSnapError).retryAfterMs).toBe(11_000);
  });

  it('the simulator’s admin API takes retryAfter on a 429 fault only, and shows it', async () => {
    const patch = (faults: unknown) =>
      request(`${world.baseUrl}/admin/accounts/nicepay/RETRYAF001`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults }),
      }).then(async (res) => ({ status: res.statusCode, json: (await res.body.json()) as never }));
    const ok = await patch([{ kind: '429', retryAfter: '60' }]);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ faults: [{ kind: '429', retryAfter: '60' }] });
    const wrongKind = await patch([{ kind: '500', retryAfter: '60' }]);
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.json).toMatchObject({
      problems: ['faults.0: retryAfter is for a fault of kind "429"'],
    });
    const lineBreak = await patch([{ kind: '429', retryAfter: '60\r\nX-Evil: 1' }]);
    expect(lineBreak.status).toBe(400);
  });
});
