import { createHash, createHmac, createPublicKey, verify } from 'node:crypto';
import Redis from 'ioredis';
import {
  CredentialRegistry,
  DEFAULT_PROFILES,
  ExternalIdGenerator,
  parseSnapTimestamp,
  providerKeysUnder,
  ProviderName,
  ProviderRateLimiter,
  PROVIDERS,
  randomInstanceId,
  SnapClientFactory,
  SnapHttp,
  SnapTransport,
} from '@app/snap';
import { appHeaders, CapturedRequest, CaptureServer } from './support/capture-server';
import { credentialsOf, makePartner, REDIS_URL, uniq } from './support/world';

/**
 * X-TIMESTAMP is the "Client's current local time" (Netzme's pages) of the request, and the
 * signatures cover it (HMAC on a transactional call, RSA on the token request): they are made
 * before the provider's rate limiter (and breaker), so nothing lies between a slot and its send,
 * and made again when those held the request a second or more (X-TIMESTAMP has whole seconds),
 * so it leaves with the second it leaves, not the one the call began. A capture server stands
 * in for the provider and notes when each request arrived; a 1-per-second limit on the real
 * Redis, with other calls ahead in line, makes the request wait two seconds or more.
 */
describe('X-TIMESTAMP and the signature over it are the second the request leaves, however long the pace held it', () => {
  const server = new CaptureServer();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = `test:snap:timestamp-at-send:${uniq()}`;
  const http = new SnapHttp({ connectMs: 2_000, readMs: 5_000 });
  const partner = makePartner('finnet');
  const profile = DEFAULT_PROFILES.finnet;
  const TOKEN = `finnet-token-${uniq()}`;
  const AHEAD = 2;

  /** A client and a limiter of 1 request per second of their own (Redis keys under `prefix`). */
  const paced = () => {
    const keys = `${prefix}:${uniq(3)}`;
    const limits = Object.fromEntries(PROVIDERS.map((p) => [p, 1])) as Record<ProviderName, number>;
    const rateLimiter = new ProviderRateLimiter(redis, providerKeysUnder(`${keys}:pace`), {
      limits,
    });
    const client = new SnapClientFactory(
      new CredentialRegistry([credentialsOf(partner, server.baseUrl)]),
      {
        http,
        redis,
        ids: new ExternalIdGenerator(randomInstanceId()),
        tokenKeyPrefix: `${keys}:token`,
        rateLimiter,
      },
    ).get('finnet');
    return { client, rateLimiter };
  };

  /** The last request to a path, how long after the X-TIMESTAMP it carries it arrived. */
  const arrival = (path: string): { req: CapturedRequest; lateMs: number } => {
    const all = server.to(path);
    const req = all[all.length - 1];
    const stamped = parseSnapTimestamp(appHeaders(req)['x-timestamp']);
    expect(stamped).not.toBeNull();
    return { req, lateMs: req.receivedAt - stamped!.getTime() };
  };

  beforeAll(async () => {
    await server.start();
    server.answer(profile.tokenPath, () => ({
      status: 200,
      body: JSON.stringify({
        responseCode: '2007300',
        responseMessage: 'Successful',
        accessToken: TOKEN,
        tokenType: 'Bearer',
        expiresIn: '900',
      }),
    }));
    server.answer(profile.balancePath, () => ({
      status: 200,
      body: '{"responseCode":"2001100","responseMessage":"Successful","name":"Toko","accountInfos":[{"availableBalance":{"value":"1.00","currency":"IDR"}}]}',
    }));
  });

  afterAll(async () => {
    await http.close();
    await server.stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('a balance call behind two others in line: its X-TIMESTAMP is the second it arrived, and the HMAC covers it', async () => {
    const { client, rateLimiter } = paced();
    // The token first, on a slot of its own: the balance call below waits for the pace only.
    await client.tokens.get();
    const ahead = Array.from({ length: AHEAD }, () => rateLimiter.acquire('finnet'));
    const began = Date.now();
    const result = await client.balanceInquiry({ accountNo: partner.clientId, currency: 'IDR' });
    await Promise.all(ahead);
    const { req, lateMs } = arrival(profile.balancePath);
    expect(req.receivedAt - began).toBeGreaterThan(1_500);
    // X-TIMESTAMP has whole seconds: up to a second before it arrived (and the transit), never
    // after; stamped when queued it would be the 1.5 s wait older.
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(1_500);
    const h = appHeaders(req);
    const stringToSign = [
      'POST',
      profile.balanceSignedPath,
      TOKEN,
      createHash('sha256').update(req.body).digest('hex'),
      h['x-timestamp'],
    ].join(':');
    expect(h['x-signature']).toBe(
      createHmac('sha512', partner.clientSecret).update(stringToSign).digest('base64'),
    );
    // The request time read as of is still when the answering request left.
    expect(Math.abs(result.requestTime.getTime() - req.receivedAt)).toBeLessThan(1_000);
  });

  it('a request its pace lets go at once is signed once, before the pace (nothing between its slot and its send); one held a second or more is signed again as it leaves', async () => {
    const { rateLimiter } = paced();
    const transport = new SnapTransport(profile, credentialsOf(partner, server.baseUrl), {
      http,
      redis,
      ids: new ExternalIdGenerator(randomInstanceId()),
      rateLimiter,
    });
    const builtFor: string[] = [];
    const exchange = () =>
      transport.exchange({
        operation: 'access-token',
        path: profile.tokenPath,
        body: '{}',
        headers: (timestamp) => {
          builtFor.push(timestamp);
          return { 'Content-Type': 'application/json', 'X-TIMESTAMP': timestamp };
        },
      });
    await exchange(); // the limiter's first slot: may wait for it
    builtFor.length = 0;
    await new Promise((r) => setTimeout(r, 1_100)); // a slot free now
    await exchange();
    expect(builtFor).toHaveLength(1);
    builtFor.length = 0;
    // Another caller takes the next slot: this request's is two slots (2.1 s) away, held well
    // past the second whatever the last round trip took, and signed again.
    const ahead = rateLimiter.acquire('finnet');
    await exchange();
    await ahead;
    expect(builtFor).toHaveLength(2);
  });

  it('a token request behind two others in line: its X-TIMESTAMP is the second it arrived, and the RSA signature covers it', async () => {
    const { client, rateLimiter } = paced();
    const ahead = Array.from({ length: AHEAD }, () => rateLimiter.acquire('finnet'));
    const began = Date.now();
    await client.tokens.get();
    await Promise.all(ahead);
    const { req, lateMs } = arrival(profile.tokenPath);
    expect(req.receivedAt - began).toBeGreaterThan(1_500);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(1_500);
    const h = appHeaders(req);
    const signed = Buffer.from(`${partner.clientId}|${h['x-timestamp']}`);
    const publicKey = createPublicKey(partner.keys.publicKeyPem);
    expect(verify('sha256', signed, publicKey, Buffer.from(h['x-signature'], 'base64'))).toBe(true);
  });
});
