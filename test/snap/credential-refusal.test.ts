import {
  CredentialRefusedError,
  CredentialRegistry,
  ExternalIdGenerator,
  randomInstanceId,
  SnapClientFactory,
  SnapError,
} from '@app/snap';
import { rsaKeyPair } from './support/keys';
import { credentialsOf, World } from './support/world';

/** Long enough for the second test's two calls (no request: milliseconds) on a slow machine. */
const HOLD_MS = 2_000;

/**
 * A token request the provider refuses (here: signed with a key it does not hold, so it answers
 * 401 Unauthorized signature) is not sent again by this process for the hold: the credential
 * set's other accounts fail at once with the same reason; after the hold, one request again.
 */
describe('a refused token request is held per credential set and process', () => {
  let world: World;
  let factory: SnapClientFactory;
  const account = (n: number) => ({ accountNo: `REFUSE${n}`, currency: 'IDR' });
  const tokenRequests = () => world.sim.stats().providers.nicepay.byKind.token.requests;
  /** The error of a balance inquiry that must fail. */
  const inquire = (n: number): Promise<SnapError> =>
    factory
      .get('nicepay')
      .balanceInquiry(account(n))
      .then(
        () => {
          throw new Error(`account ${n} was answered; a refusal was expected`);
        },
        (e: unknown) => e as SnapError,
      );

  beforeAll(async () => {
    world = await World.create();
    world.sim.putAccounts(
      [1, 2, 3, 4].map((n) => ({ provider: 'nicepay', ...account(n), balance: '8.00' })),
    );
    // Our client id, signed with another private key than the one NICEPay holds.
    const wrongKey = { ...world.partners.nicepay, keys: rsaKeyPair(2048, 'pkcs8') };
    factory = new SnapClientFactory(
      new CredentialRegistry([credentialsOf(wrongKey, world.baseUrl)]),
      {
        http: world.http,
        redis: world.redis,
        ids: new ExternalIdGenerator(randomInstanceId()),
        tokenKeyPrefix: world.keyPrefix,
        tokenRefusalHoldMs: HOLD_MS,
      },
    );
  });

  afterAll(() => world.close());

  it('the first account gets the provider’s answer, permanent, naming the hold', async () => {
    world.sim.resetStats();
    const error = await inquire(1);
    expect(error).toBeInstanceOf(CredentialRefusedError);
    expect(error.retryable).toBe(false);
    expect(error.details.httpStatus).toBe(401);
    expect(error.message).toMatch(
      /^nicepay answered 401\d{4}.*; the token request of credential set 'default' is not sent again by this process before \d{4}-/,
    );
    expect(tokenRequests()).toBe(1);
  });

  it('the next accounts are not sent during the hold, and say why', async () => {
    for (const n of [2, 3]) {
      const error = await inquire(n);
      expect(error).toBeInstanceOf(CredentialRefusedError);
      // Not asked: no status or code of its own; the message quotes the refusal.
      expect(error.details.httpStatus).toBeUndefined();
      expect(error.details.responseCode).toBeUndefined();
      expect(error.message).toMatch(
        /^nicepay: not sent: its token request for credential set 'default' was refused at .* \(nicepay answered 401.*\); not asked again by this process before /,
      );
    }
    expect(tokenRequests()).toBe(1);
    expect(world.sim.stats().providers.nicepay.byKind.balance.requests).toBe(0);
  });

  it('after the hold, the token request is sent once more', async () => {
    await new Promise((r) => setTimeout(r, HOLD_MS + 50));
    const error = await inquire(4);
    expect(error.message).toMatch(/^nicepay answered 401/);
    expect(tokenRequests()).toBe(2);
  });

  it('the hold is this process’s: another one, signing with the key NICEPay holds, is answered', async () => {
    await expect(world.factory.get('nicepay').balanceInquiry(account(1))).resolves.toMatchObject({
      availableBalance: 800n,
    });
  });
});
