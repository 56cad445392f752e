import { generateKeyPairSync } from 'node:crypto';
import { jakartaTimestamp, ProviderName } from '@app/snap';
import { parsed } from './support/logs';
import { externalId, rawCall, RawCallOptions, rawToken, tokenFor } from './support/raw';
import { createSnapSimulator } from '../../apps/snap-simulator/src';
import { World } from './support/world';

describe('the simulator rejects wrongly signed or malformed calls like a strict provider', () => {
  let world: World;
  const tokens = {} as Record<ProviderName, string>;

  beforeAll(async () => {
    world = await World.create();
    world.sim.putAccounts([
      { provider: 'netzme', accountNo: 'CUST-1', balance: '10.00' },
      { provider: 'nicepay', accountNo: 'IONPAYTEST', balance: '20.00' },
      { provider: 'finnet', accountNo: world.partners.finnet.clientId, balance: '30.00' },
    ]);
    for (const p of ['netzme', 'nicepay', 'finnet'] as const) {
      tokens[p] = await tokenFor(world.baseUrl, world.sim.paths[p], world.partners[p]);
    }
  });

  afterAll(() => world.close());

  const call = (provider: ProviderName, o: RawCallOptions = {}) =>
    rawCall(world.baseUrl, world.sim.paths[provider], world.partners[provider], tokens[provider], {
      accountNo:
        provider === 'netzme' ? 'CUST-1' : provider === 'nicepay' ? 'IONPAYTEST' : undefined,
      ...o,
    });

  /** The newest warn line of the simulator. */
  const lastWarn = () =>
    parsed(world.simLogs.lines)
      .filter((l) => l.level === 40)
      .pop() as { reason?: string; hint?: string; msg: string } | undefined;

  describe('correct calls pass', () => {
    it.each(['netzme', 'nicepay', 'finnet'] as const)('%s', async (provider) => {
      const answer = await call(provider);
      expect(answer.json.responseCode).toBe('2001100');
      expect(answer.status).toBe(200);
    });

    it('the signature covers the raw UTF-8 bytes received (non-ASCII body)', async () => {
      const answer = await call('netzme', {
        body: {
          partnerReferenceNo: externalId(),
          accountNo: 'CUST-1',
          additionalInfo: { note: 'café ☕' },
        },
      });
      expect(answer.json.responseCode).toBe('2001100');
    });

    it("a pretty body is hashed minified, as Netzme's published request signs it", async () => {
      const body = { partnerReferenceNo: externalId(), accountNo: 'CUST-1' };
      const answer = await call('netzme', {
        sendText: JSON.stringify(body, null, 4),
        signText: JSON.stringify(body),
      });
      expect(answer.json.responseCode).toBe('2001100');
    });

    it('white space inside strings stays in the hashed body (pretty or not)', async () => {
      const body = { partnerReferenceNo: externalId(), accountNo: 'CUST-1', note: ' a  b \\" c ' };
      expect((await call('netzme', { body })).json.responseCode).toBe('2001100');
      const again = { ...body, partnerReferenceNo: externalId() };
      const pretty = await call('netzme', {
        sendText: JSON.stringify(again, null, 2),
        signText: JSON.stringify(again),
      });
      expect(pretty.json.responseCode).toBe('2001100');
    });
  });

  describe('signature mistakes answer 401xx00 and the warn log says which mistake', () => {
    it('Netzme signed in base64 instead of hex', async () => {
      const answer = await call('netzme', { encoding: 'base64' });
      expect(answer.json.responseCode).toBe('4011100');
      expect(answer.status).toBe(401);
      expect(lastWarn()?.hint).toContain('encoded as base64, expected hex');
    });

    it.each(['nicepay', 'finnet'] as const)(
      '%s signed in hex instead of base64',
      async (provider) => {
        const answer = await call(provider, { encoding: 'hex' });
        expect(answer.json.responseCode).toBe('4011100');
        expect(lastWarn()?.hint).toContain('encoded as hex, expected base64');
      },
    );

    it('NICEPay signed the URL path with its /nicepay prefix', async () => {
      const paths = world.sim.paths.nicepay;
      expect(paths.balancePath).toBe(`/nicepay${paths.balanceSignedPath}`);
      const answer = await call('nicepay', { signedPath: paths.balancePath });
      expect(answer.json.responseCode).toBe('4011100');
      expect(lastWarn()?.hint).toContain(
        `signed the URL path ${paths.balancePath}, expected ${paths.balanceSignedPath}`,
      );
    });

    it('a pretty body was sent and its pretty bytes were hashed (not minified)', async () => {
      const body = { partnerReferenceNo: externalId(), accountNo: 'CUST-1' };
      const answer = await call('netzme', { sendText: JSON.stringify(body, null, 2) });
      expect(answer.json.responseCode).toBe('4011100');
      expect(lastWarn()?.hint).toContain(
        'hashed the bytes as sent, white space included, expected the minified body',
      );
    });

    it('a minified body was sent while the signature covers a pretty one', async () => {
      const body = { partnerReferenceNo: externalId(), accountNo: 'IONPAYTEST' };
      const answer = await call('nicepay', { body, signText: JSON.stringify(body, null, 2) });
      expect(answer.json.responseCode).toBe('4011100');
      expect(lastWarn()?.hint).toContain('hashed a pretty-printed re-serialization');
    });

    it('"Bearer " inside the string to sign', async () => {
      const answer = await call('finnet', { tokenInSignature: `Bearer ${tokens.finnet}` });
      expect(answer.json.responseCode).toBe('4011100');
      expect(lastWarn()?.hint).toContain('signed "Bearer " + token');
    });

    it('the wrong client secret', async () => {
      const answer = await call('finnet', { clientSecret: 'not-the-secret' });
      expect(answer.json.responseCode).toBe('4011100');
      expect(lastWarn()?.hint).toContain('no common mistake reproduces it');
    });

    it('a signature over another timestamp than sent', async () => {
      const ts = jakartaTimestamp();
      const answer = await call('netzme', {
        timestamp: ts,
        headers: { 'X-TIMESTAMP': jakartaTimestamp(new Date(Date.now() - 60_000)) },
      });
      expect(answer.json.responseCode).toBe('4011100');
    });

    it('no X-SIGNATURE at all is a missing mandatory field', async () => {
      const answer = await call('netzme', { headers: { 'X-SIGNATURE': undefined } });
      expect(answer.json.responseCode).toBe('4001102');
    });
  });

  describe('X-TIMESTAMP', () => {
    it.each([
      ['with milliseconds', '2024-03-05T10:37:16.196+07:00'],
      ['in UTC with Z', new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')],
      ['without an offset', jakartaTimestamp().slice(0, 19)],
      ['with a space', jakartaTimestamp().replace('T', ' ')],
    ])('%s answers 400xx01 naming X-TIMESTAMP', async (_label, timestamp) => {
      const answer = await call('nicepay', { timestamp });
      expect(answer.json.responseCode).toBe('4001101');
      expect(answer.json.responseMessage).toContain('X-TIMESTAMP');
      expect(lastWarn()?.reason).toContain('X-TIMESTAMP');
    });

    it('older than the allowed skew answers 400xx01', async () => {
      const answer = await call('finnet', {
        timestamp: jakartaTimestamp(new Date(Date.now() - 6 * 60_000)),
      });
      expect(answer.json.responseCode).toBe('4001101');
      expect(answer.json.responseMessage).toContain('X-TIMESTAMP');
      expect(lastWarn()?.reason).toMatch(/from the simulator's clock/);
    });

    it('another offset naming the same instant is fine', async () => {
      const utc = new Date().toISOString().slice(0, 19) + '+00:00';
      const answer = await call('netzme', { timestamp: utc });
      expect(answer.json.responseCode).toBe('2001100');
    });

    it('missing answers 400xx02', async () => {
      const answer = await call('netzme', { headers: { 'X-TIMESTAMP': undefined } });
      expect(answer.json.responseCode).toBe('4001102');
    });
  });

  describe('X-EXTERNAL-ID', () => {
    it('reused by the same partner on the same day answers 409xx00', async () => {
      const id = externalId();
      expect((await call('netzme', { externalId: id })).json.responseCode).toBe('2001100');
      const again = await call('netzme', { externalId: id });
      expect(again.json.responseCode).toBe('4091100');
      expect(again.status).toBe(409);
      expect(lastWarn()?.reason).toContain('already used today');
    });

    it('the same id at another provider is another partner: fine', async () => {
      const id = externalId();
      expect((await call('nicepay', { externalId: id })).json.responseCode).toBe('2001100');
      expect((await call('finnet', { externalId: id })).json.responseCode).toBe('2001100');
    });

    it.each([
      ['netzme', 'not numeric', 'ABC123'],
      ['netzme', '33 digits (Netzme takes 32)', '1'.repeat(33)],
      ['finnet', '37 digits (Finnet takes 36)', '1'.repeat(37)],
      ['nicepay', '41 digits (NICEPay takes 40)', '1'.repeat(41)],
    ] as const)('%s: %s answers 400xx01', async (provider, _label, id) => {
      const answer = await call(provider, { externalId: id });
      expect(answer.json.responseCode).toBe('4001101');
    });

    it('NICEPay accepts 40 digits', async () => {
      const answer = await call('nicepay', { externalId: externalId() + '12345678' });
      expect(answer.json.responseCode).toBe('2001100');
    });

    it('missing answers 400xx02', async () => {
      const answer = await call('finnet', { headers: { 'X-EXTERNAL-ID': undefined } });
      expect(answer.json.responseCode).toBe('4001102');
    });
  });

  describe('partner and channel headers', () => {
    it('Finnet with X-PARTNER-ID instead of X-PARTNERID answers 400xx02', async () => {
      const answer = await call('finnet', {
        headers: { 'X-PARTNERID': undefined, 'X-PARTNER-ID': world.partners.finnet.clientId },
      });
      expect(answer.json.responseCode).toBe('4001102');
      expect(answer.json.responseMessage).toContain('X-PARTNERID');
    });

    it("a partner id that is not the token's partner answers 401xx00", async () => {
      const answer = await call('netzme', { headers: { 'X-PARTNER-ID': 'SOMEONE-ELSE' } });
      expect(answer.json.responseCode).toBe('4011100');
    });

    it('NICEPay with the configured channel instead of clientId + "01" answers 400xx02', async () => {
      const answer = await call('nicepay', { headers: { 'CHANNEL-ID': '95221' } });
      expect(answer.json.responseCode).toBe('4001102');
      expect(lastWarn()?.reason).toContain('client id + "01"');
    });

    it('Netzme with another channel than configured answers 400xx02', async () => {
      const answer = await call('netzme', { headers: { 'CHANNEL-ID': '00000' } });
      expect(answer.json.responseCode).toBe('4001102');
    });

    it('Finnet without X-CHANNEL-ID answers 400xx02', async () => {
      const answer = await call('finnet', { headers: { 'X-CHANNEL-ID': undefined } });
      expect(answer.json.responseCode).toBe('4001102');
    });

    it('Netzme without X-CLIENT-SECRET (listed on its pages, sent by every curl) answers 400xx02 naming it', async () => {
      const answer = await call('netzme', { headers: { 'X-CLIENT-SECRET': undefined } });
      expect(answer.json.responseCode).toBe('4001102');
      expect(answer.json.responseMessage).toContain('X-CLIENT-SECRET');
    });
  });

  describe('body', () => {
    it('Netzme without accountNo answers 400xx02 naming the field', async () => {
      const answer = await call('netzme', { body: { partnerReferenceNo: externalId() } });
      expect(answer.json.responseCode).toBe('4001102');
      expect(answer.json.responseMessage).toContain('accountNo');
    });

    it('Finnet without partnerReferenceNo answers 400xx02', async () => {
      const answer = await call('finnet', { body: {} });
      expect(answer.json.responseCode).toBe('4001102');
    });

    it('NICEPay with a numeric accountNo answers 400xx01', async () => {
      const answer = await call('nicepay', { body: { accountNo: 1234567890 } });
      expect(answer.json.responseCode).toBe('4001101');
    });

    it.each([
      // NICEPay's request table: "accountNo | String | 10", "msId | String | 20".
      ['NICEPay accountNo of 11 characters', 'nicepay', { accountNo: 'IONPAYTEST1' }, 'accountNo'],
      [
        'NICEPay msId of 21 characters',
        'nicepay',
        { accountNo: 'IONPAYTEST', additionalInfo: { msId: 'S'.repeat(21) } },
        'additionalInfo.msId',
      ],
      // Finnet's body table: "partnerReferenceNo | String (64)".
      [
        'Finnet partnerReferenceNo of 65 characters',
        'finnet',
        { partnerReferenceNo: '1'.repeat(65) },
        'partnerReferenceNo',
      ],
    ] as const)('%s answers 400xx01 naming the field', async (_label, provider, body, field) => {
      const answer = await call(provider, { body });
      expect(answer.status).toBe(400);
      expect(answer.json.responseCode).toBe('4001101');
      expect(answer.json.responseMessage).toContain(field);
    });

    it('a body that is not JSON answers 400xx00', async () => {
      const answer = await call('nicepay', { sendText: 'accountNo=IONPAYTEST' });
      expect(answer.json.responseCode).toBe('4001100');
    });

    it('account inquiry without additionalInfo.custId answers 4000802', async () => {
      const answer = await call('netzme', {
        endpoint: 'account-inquiry',
        body: { partnerReferenceNo: externalId() },
      });
      expect(answer.json.responseCode).toBe('4000802');
    });
  });

  describe('bearer token', () => {
    it.each([
      ['unknown', { Authorization: 'not-a-token' }],
      ['missing', { Authorization: undefined }],
    ] as const)('%s answers 401xx01', async (_label, headers) => {
      const answer = await call('netzme', { headers });
      expect(answer.json.responseCode).toBe('4011101');
      expect(answer.status).toBe(401);
    });

    it('in the other form than its page shows answers 401xx01 (Netzme: Get Balance bare, Get Account Status Bearer)', async () => {
      const balance = await call('netzme', {
        headers: { Authorization: `Bearer ${tokens.netzme}` },
      });
      expect([balance.status, balance.json.responseCode]).toEqual([401, '4011101']);
      const status = await call('netzme', {
        endpoint: 'account-inquiry',
        headers: { Authorization: tokens.netzme },
      });
      // Service code 08: the account status inquiry's.
      expect([status.status, status.json.responseCode]).toEqual([401, '4010801']);
      const nicepay = await rawCall(
        world.baseUrl,
        world.sim.paths.nicepay,
        world.partners.nicepay,
        tokens.nicepay,
        { accountNo: 'IONPAYTEST', headers: { Authorization: tokens.nicepay } },
      );
      expect(nicepay.json.responseCode).toBe('4011101');
    });

    it("another provider's token answers 401xx01", async () => {
      const answer = await rawCall(
        world.baseUrl,
        world.sim.paths.nicepay,
        world.partners.nicepay,
        tokens.finnet,
        {
          accountNo: 'IONPAYTEST',
        },
      );
      expect(answer.json.responseCode).toBe('4011101');
    });

    it('an expired token answers 401xx01', async () => {
      world.sim.updateSettings({ tokenLifetimeSeconds: 1 });
      try {
        const short = await tokenFor(world.baseUrl, world.sim.paths.finnet, world.partners.finnet);
        const send = () =>
          rawCall(world.baseUrl, world.sim.paths.finnet, world.partners.finnet, short);
        expect((await send()).json.responseCode).toBe('2001100');
        await new Promise((r) => setTimeout(r, 1_100));
        expect((await send()).json.responseCode).toBe('4011101');
        expect(lastWarn()?.reason).toContain('expired');
      } finally {
        world.sim.updateSettings({ tokenLifetimeSeconds: 900 });
      }
    });
  });

  describe('access token endpoint', () => {
    const token = (provider: ProviderName, o: Parameters<typeof rawToken>[3] = {}) =>
      rawToken(world.baseUrl, world.sim.paths[provider], world.partners[provider], o);

    it('answers 2007300 with a Bearer token and expiresIn as a string', async () => {
      const answer = await token('nicepay');
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        responseCode: '2007300',
        tokenType: 'Bearer',
        expiresIn: '900',
      });
      expect(typeof answer.json.accessToken).toBe('string');
    });

    it('the token lifetime is a setting', async () => {
      world.sim.updateSettings({ tokenLifetimeSeconds: 300 });
      try {
        expect((await token('netzme')).json.expiresIn).toBe('300');
      } finally {
        world.sim.updateSettings({ tokenLifetimeSeconds: 900 });
      }
    });

    it('a signature by another key answers 4017300', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const answer = await token('finnet', { key: privateKey });
      expect(answer.json.responseCode).toBe('4017300');
      expect(answer.status).toBe(401);
      expect(lastWarn()?.reason).toContain('RSA-SHA256');
    });

    it('a signature over another timestamp answers 4017300', async () => {
      const answer = await token('netzme', {
        signedTimestamp: jakartaTimestamp(new Date(Date.now() - 1_000)),
      });
      expect(answer.json.responseCode).toBe('4017300');
    });

    it('an unknown X-CLIENT-KEY answers 4017300', async () => {
      const answer = await token('netzme', { clientKey: 'NOBODY' });
      expect(answer.json.responseCode).toBe('4017300');
      expect(lastWarn()?.reason).toContain('not a registered netzme partner');
    });

    it('a partner of another provider is unknown here', async () => {
      const answer = await rawToken(world.baseUrl, world.sim.paths.nicepay, world.partners.finnet);
      expect(answer.json.responseCode).toBe('4017300');
    });

    it('grantType other than client_credentials answers 4007301', async () => {
      const answer = await token('netzme', { body: { grantType: 'password' } });
      expect(answer.json.responseCode).toBe('4007301');
    });

    it('a timestamp with milliseconds answers 4007301', async () => {
      const answer = await token('netzme', { timestamp: '2024-03-05T10:37:16.196+07:00' });
      expect(answer.json.responseCode).toBe('4007301');
    });
  });

  it('an unknown path answers 404 and is counted as unrouted', async () => {
    const before = world.sim.stats().unrouted;
    const res = await fetch(`${world.baseUrl}/nicepay/v1.0/balance-inquiry`, {
      method: 'POST',
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(world.sim.stats().unrouted).toBe(before + 1);
  });
});

describe('where the pages contradict each other, a deployment changes the simulator’s checks', () => {
  let world: World;

  beforeAll(async () => {
    // Finnet's general headers page instead of its balance page: X-PARTNER-ID, CHANNEL-ID, hex
    // (it says lowercase hex), ORIGIN mandatory.
    world = await World.create({
      simulator: {
        rules: {
          finnet: {
            headers: { partnerId: 'X-PARTNER-ID', channel: 'CHANNEL-ID' },
            signatureEncoding: 'hex',
            requiredHeaders: ['ORIGIN'],
          },
        },
      },
    });
    world.sim.putAccounts([
      { provider: 'finnet', accountNo: world.partners.finnet.clientId, balance: '30.00' },
    ]);
  });

  afterAll(() => world.close());

  const finnet = async (o: RawCallOptions) => {
    const p = world.partners.finnet;
    const token = await tokenFor(world.baseUrl, world.sim.paths.finnet, p);
    return rawCall(world.baseUrl, world.sim.paths.finnet, p, token, o);
  };

  it('the general page’s headers and hex signature are accepted', async () => {
    const p = world.partners.finnet;
    const answer = await finnet({
      encoding: 'hex',
      headers: {
        'X-PARTNERID': undefined,
        'X-CHANNEL-ID': undefined,
        'X-PARTNER-ID': p.clientId,
        'CHANNEL-ID': p.channelId,
        ORIGIN: 'www.example.co.id',
      },
    });
    expect(answer.json.responseCode).toBe('2001100');
  });

  it('without the ORIGIN the general page makes mandatory: 400xx02 naming it', async () => {
    const p = world.partners.finnet;
    const answer = await finnet({
      encoding: 'hex',
      headers: {
        'X-PARTNERID': undefined,
        'X-CHANNEL-ID': undefined,
        'X-PARTNER-ID': p.clientId,
        'CHANNEL-ID': p.channelId,
      },
    });
    expect(answer.json.responseCode).toBe('4001102');
    expect(answer.json.responseMessage).toContain('[ORIGIN]');
  });

  it('the balance page’s headers are then refused', async () => {
    const answer = await finnet({});
    expect(answer.json.responseCode).toBe('4001102');
    expect(answer.json.responseMessage).toContain('X-PARTNER-ID');
  });

  it('a bad override is refused at start-up naming it', () => {
    expect(() =>
      createSnapSimulator({ rules: { finnet: { signatureEncoding: 'b64' as 'hex' } } }),
    ).toThrow(/finnet\.signatureEncoding/);
    expect(() => createSnapSimulator({ rules: { paypal: {} } })).toThrow(/paypal/);
  });
});
