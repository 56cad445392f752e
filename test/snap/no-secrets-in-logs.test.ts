import { ProviderName, SnapError } from '@app/snap';
import { FAULT_KINDS, TOKEN_FAULT_KINDS } from '../../apps/snap-simulator/src';
import { leaks, parsed } from './support/logs';
import { rawCall, rawToken, tokenFor } from './support/raw';
import { World } from './support/world';

const PROVIDERS: ProviderName[] = ['netzme', 'nicepay', 'finnet'];

describe('no secret, key or token appears in any log line or error', () => {
  let world: World;
  const tokens = new Set<string>();
  const errors: string[] = [];

  const remember = async () => {
    for (const p of PROVIDERS) tokens.add(await world.factory.get(p).tokens.get());
  };
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      const err = e as SnapError;
      errors.push(JSON.stringify({ message: err.message, details: err.details, stack: err.stack }));
    }
  };

  beforeAll(async () => {
    world = await World.create({ readMs: 400, simulator: { readTimeoutHoldMs: 5_000 } });
    // Within NICEPay's "accountNo | String | 10".
    const accountOf = (p: ProviderName) =>
      p === 'finnet' ? world.partners.finnet.clientId : `ACC-${p.slice(0, 6)}`;
    world.sim.putAccounts(
      PROVIDERS.map((p) => ({ provider: p, accountNo: accountOf(p), balance: '10.00' })),
    );

    // Successes, account status.
    for (const p of PROVIDERS)
      await world.factory.get(p).balanceInquiry({ accountNo: accountOf(p), currency: 'IDR' });
    await world.factory.get('netzme').accountStatus(accountOf('netzme'));
    await remember();

    // Every balance fault, at every provider.
    for (const p of PROVIDERS) {
      for (const kind of FAULT_KINDS) {
        world.sim.patchAccount(p, accountOf(p), {
          faults: [
            {
              kind,
              times: 1,
              ...(kind === 'code' ? { responseCode: '4011103' } : {}),
              ...(kind === 'raw' ? { body: '<html>raw</html>', status: 500 } : {}),
            },
          ],
        });
        await attempt(() =>
          world.factory.get(p).balanceInquiry({ accountNo: accountOf(p), currency: 'IDR' }),
        );
        await remember();
      }
    }

    // Every token fault.
    for (const kind of TOKEN_FAULT_KINDS) {
      await world.clearRedis();
      world.sim.setTokenFaults('finnet', world.partners.finnet.clientId, [
        {
          kind,
          times: 1,
          ...(kind === 'code' ? { responseCode: '5007300' } : {}),
          ...(kind === 'slow' ? { delayMs: 10 } : {}),
        },
      ]);
      const factory = world.newFactory();
      await attempt(() =>
        factory.get('finnet').balanceInquiry({ accountNo: accountOf('finnet'), currency: 'IDR' }),
      );
      await attempt(async () => tokens.add(await factory.get('finnet').tokens.get()));
    }

    // Hand-made wrong calls: wrong signatures, wrong headers, wrong token signatures.
    for (const p of PROVIDERS) {
      const paths = world.sim.paths[p];
      const partner = world.partners[p];
      const token = await tokenFor(world.baseUrl, paths, partner);
      tokens.add(token);
      const o = { accountNo: accountOf(p) };
      await rawCall(world.baseUrl, paths, partner, token, {
        ...o,
        encoding: p === 'netzme' ? 'base64' : 'hex',
      });
      await rawCall(world.baseUrl, paths, partner, token, {
        ...o,
        tokenInSignature: `Bearer ${token}`,
      });
      await rawCall(world.baseUrl, paths, partner, token, {
        ...o,
        clientSecret: 'wrong-secret-value',
      });
      await rawCall(world.baseUrl, paths, partner, token, {
        ...o,
        timestamp: '2020-01-01T00:00:00.000Z',
      });
      await rawCall(world.baseUrl, paths, partner, `${token}x`, o);
      await rawToken(world.baseUrl, paths, partner, {
        signedTimestamp: '2020-01-01T00:00:00+07:00',
      });
    }
    await remember();
  });

  afterAll(() => world.close());

  it('the scenario produced plenty of logs on both sides, warnings included', () => {
    expect(world.simLogs.lines.length).toBeGreaterThan(100);
    expect(world.clientLogs.lines.length).toBeGreaterThan(50);
    expect(parsed(world.simLogs.lines).filter((l) => l.level === 40).length).toBeGreaterThanOrEqual(
      18,
    );
    expect(errors.length).toBeGreaterThan(30);
    expect(tokens.size).toBeGreaterThan(5);
  });

  it('client secrets and private key material never appear', () => {
    const all = [...world.simLogs.lines, ...world.clientLogs.lines, ...errors];
    expect(leaks(all, world.secrets())).toEqual([]);
  });

  it('no access token ever issued in the scenario appears', () => {
    const all = [...world.simLogs.lines, ...world.clientLogs.lines, ...errors];
    expect(leaks(all, [...tokens])).toEqual([]);
  });

  it('nothing shaped like a token or a signature appears', () => {
    const all = [...world.simLogs.lines, ...world.clientLogs.lines, ...errors];
    // Simulator tokens are 40 base64url chars; signatures 128 hex or 88 base64 chars.
    const shapes = [/[A-Za-z0-9_-]{40}/, /[0-9a-f]{128}/, /[A-Za-z0-9+/]{86}==/];
    const suspicious = all.filter((line) =>
      shapes.some((re) => re.test(line.replace(/"stack":"(?:[^"\\]|\\.)*"/, '"stack":""'))),
    );
    expect(suspicious).toEqual([]);
  });
});
