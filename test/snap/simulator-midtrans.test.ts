import { createPrivateKey, sign } from 'node:crypto';
import { request } from 'undici';
import {
  createSnapSimulator,
  SnapSimulator,
  symmetricSignature,
} from '../../apps/snap-simulator/src';
import { rsaKeyPair } from './support/keys';
import { memoryLogger } from './support/logs';
import { externalId } from './support/raw';

/**
 * The fourth provider's simulator rules (apps/snap-simulator/src/providers/midtrans.ts), from
 * docs/providers/midtrans.md, checked over HTTP with requests built by hand here (node:crypto
 * for the RSA token signature, the simulator's HMAC for the symmetric one): token at
 * `/v1.0/access-token/b2b` (shared with Finnet, told apart by X-CLIENT-KEY), balance at
 * `/v1.0/balance-inquiry` with `X-PARTNER-ID`, `CHANNEL-ID`, base64 HMAC and `{accountNo}`, and
 * the answer's `accountInfos[].amount` with `payin`, `iris` and `unified` entries.
 */
describe('simulator: Midtrans Payouts SNAP balance inquiry', () => {
  const keys = rsaKeyPair(2048, 'pkcs8');
  const finnetKeys = rsaKeyPair(2048, 'pkcs8');
  const partner = {
    clientId: 'MT-CLIENT-1',
    clientSecret: 'midtrans-secret-1',
    partnerId: 'MT-PARTNER-1',
    channelId: '95051',
  };
  const logs = memoryLogger('debug');
  let sim: SnapSimulator;
  let baseUrl: string;

  const post = async (path: string, headers: Record<string, string>, body: string) => {
    const res = await request(baseUrl + path, { method: 'POST', headers, body });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  };

  /** Jakarta time, `yyyy-MM-ddTHH:mm:ss+07:00`. */
  const now = () => new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 19) + '+07:00';

  const token = async (clientId: string, pem: string) => {
    const timestamp = now();
    const signature = sign(
      'sha256',
      Buffer.from(`${clientId}|${timestamp}`),
      createPrivateKey(pem),
    );
    return post(
      '/v1.0/access-token/b2b',
      {
        'Content-Type': 'application/json',
        'X-TIMESTAMP': timestamp,
        'X-CLIENT-KEY': clientId,
        'X-SIGNATURE': signature.toString('base64'),
      },
      JSON.stringify({ grantType: 'client_credentials', additionalInfo: {} }),
    );
  };

  const balance = (
    accessToken: string,
    accountNo: string,
    o: { encoding?: 'hex' | 'base64'; headers?: Record<string, string> } = {},
  ) => {
    const body = JSON.stringify({ accountNo });
    const timestamp = now();
    const signature = symmetricSignature(
      partner.clientSecret,
      {
        method: 'POST',
        path: '/v1.0/balance-inquiry',
        accessToken,
        hashedBody: Buffer.from(body),
        timestamp,
      },
      o.encoding ?? 'base64',
    );
    return post(
      '/v1.0/balance-inquiry',
      {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${accessToken}`,
        'X-TIMESTAMP': timestamp,
        'X-SIGNATURE': signature,
        'X-PARTNER-ID': partner.partnerId,
        'X-EXTERNAL-ID': externalId().slice(0, 32),
        'CHANNEL-ID': partner.channelId,
        ...o.headers,
      },
      body,
    );
  };

  let accessToken: string;

  beforeAll(async () => {
    sim = createSnapSimulator({
      logger: logs.logger,
      partners: [
        { provider: 'midtrans', ...partner, publicKeyPem: keys.publicKeyPem },
        {
          provider: 'finnet',
          clientId: 'FINNET-1',
          clientSecret: 'finnet-secret',
          publicKeyPem: finnetKeys.publicKeyPem,
          channelId: '12345',
        },
      ],
      accounts: [
        { provider: 'midtrans', accountNo: '0000000000', balance: '25000.00' },
        {
          provider: 'midtrans',
          accountNo: '1234567890',
          balance: '25000.00',
          extraBalances: [{ balanceType: 'payin', value: '10000.00' }],
        },
      ],
    });
    baseUrl = await sim.start(0);
    const answer = await token(partner.clientId, keys.privateKeyPem);
    expect(answer.json).toMatchObject({ responseCode: '2007300', tokenType: 'Bearer' });
    accessToken = answer.json.accessToken as string;
  });

  afterAll(() => sim.stop());

  it('Midtrans and Finnet share the token path; each partner gets its own provider’s token', async () => {
    expect(sim.paths.midtrans.tokenPath).toBe(sim.paths.finnet.tokenPath);
    const finnet = await token('FINNET-1', finnetKeys.privateKeyPem);
    expect(finnet.json.responseCode).toBe('2007300');
    const stats = sim.stats().providers;
    expect(stats.midtrans.tokensIssued).toBe(1);
    expect(stats.finnet.tokensIssued).toBe(1);
    // A Finnet token is no Midtrans token.
    const crossed = await balance(finnet.json.accessToken as string, '0000000000');
    expect(crossed.json.responseCode).toBe('4011101');
  });

  it('answers payin, iris (the balance) and unified under amount, as the page’s table says', async () => {
    const answer = await balance(accessToken, '0000000000');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      responseCode: '2001100',
      responseMessage: 'Successful',
      accountInfos: [
        { balanceType: 'payin', amount: { value: '0.00', currency: 'IDR' } },
        { balanceType: 'iris', amount: { value: '25000.00', currency: 'IDR' } },
        { balanceType: 'unified', amount: { value: '25000.00', currency: 'IDR' } },
      ],
    });
  });

  it('unified is payin + iris (the document’s example: 10000.00 + 25000.00)', async () => {
    const answer = await balance(accessToken, '1234567890');
    expect(answer.json.accountInfos).toEqual([
      { balanceType: 'payin', amount: { value: '10000.00', currency: 'IDR' } },
      { balanceType: 'iris', amount: { value: '25000.00', currency: 'IDR' } },
      { balanceType: 'unified', amount: { value: '35000.00', currency: 'IDR' } },
    ]);
  });

  it('an unknown accountNo answers 404 4041111', async () => {
    const answer = await balance(accessToken, '9999999999');
    expect(answer.status).toBe(404);
    expect(answer.json.responseCode).toBe('4041111');
  });

  it('a hex signature is refused 4011100 with the hint', async () => {
    const answer = await balance(accessToken, '0000000000', { encoding: 'hex' });
    expect(answer.json.responseCode).toBe('4011100');
    expect(logs.lines.join('\n')).toContain('encoded as hex, expected base64');
  });

  it('Finnet’s header names (X-PARTNERID, X-CHANNEL-ID) are refused 4001102', async () => {
    const answer = await balance(accessToken, '0000000000', {
      headers: { 'X-PARTNER-ID': '', 'X-PARTNERID': partner.partnerId },
    });
    expect(answer.json.responseCode).toBe('4001102');
    expect(answer.json.responseMessage).toContain('X-PARTNER-ID');
  });

  it('an X-EXTERNAL-ID of 37 digits is refused 4001101', async () => {
    const answer = await balance(accessToken, '0000000000', {
      headers: { 'X-EXTERNAL-ID': '1'.repeat(37) },
    });
    expect(answer.json.responseCode).toBe('4001101');
  });
});
