import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import {
  createSnapSimulator,
  loadSeedFile,
  startSimulatorFromEnv,
  minifyJson,
  SnapSimulator,
  symmetricSignature,
} from '../../apps/snap-simulator/src';
import { memoryLogger } from './support/logs';
import { rsaKeyPair } from './support/keys';
import {
  curlHeader,
  loadSignedVectors,
  PAGES,
  pageText,
  printedJsonAfter,
} from './support/provider-pages';

/**
 * The published signed requests in shared/snap/vectors.json replayed against the simulator.
 * `symmetricHex` is Netzme's own request from its Get Account Status page (its X-CLIENT-SECRET,
 * token, 2022 timestamp, pretty body and hex X-SIGNATURE): sent over HTTP exactly as the
 * page's curl sends it, it must be accepted. The simulator holds the page's token (admin
 * `POST /admin/tokens`) and its clock stands at the page's timestamp (setting `frozenClock`).
 */
describe('the simulator accepts the providers’ published signed requests', () => {
  const vectors = loadSignedVectors();
  const v = vectors.symmetricHex[0];
  const page = pageText(PAGES.netzmeAccountStatus);
  const logs = memoryLogger('debug');
  let sim: SnapSimulator;
  let baseUrl: string;

  const admin = async (method: string, path: string, body: unknown) => {
    const res = await request(baseUrl + path, {
      method: method as 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  };

  /** The page's curl request, header for header (but `omit`), with the vector's exact body bytes. */
  const pageRequest = (overrides: Record<string, string> = {}, omit: string[] = []) =>
    request(baseUrl + v.endpointPath, {
      method: 'POST',
      headers: withoutHeaders(omit, {
        'X-TIMESTAMP': curlHeader(page, 'X-TIMESTAMP'),
        'X-CLIENT-SECRET': curlHeader(page, 'X-CLIENT-SECRET'),
        'X-PARTNER-ID': curlHeader(page, 'X-PARTNER-ID'),
        'X-SIGNATURE': curlHeader(page, 'X-SIGNATURE'),
        'Content-Type': curlHeader(page, 'Content-Type'),
        Authorization: curlHeader(page, 'Authorization'),
        'X-EXTERNAL-ID': curlHeader(page, 'X-EXTERNAL-ID'),
        'CHANNEL-ID': curlHeader(page, 'CHANNEL-ID'),
        ...overrides,
      }),
      body: v.rawBody,
    }).then(async (res) => ({
      status: res.statusCode,
      json: (await res.body.json()) as Record<string, unknown>,
    }));

  beforeAll(async () => {
    sim = createSnapSimulator({ logger: logs.logger });
    baseUrl = await sim.start(0);
    // Everything over the admin API, as a test or the demo would do it from outside.
    expect(
      await admin('POST', '/admin/partners', [
        {
          provider: 'netzme',
          clientId: curlHeader(page, 'X-PARTNER-ID'),
          clientSecret: v.clientSecret,
          publicKeyPem: rsaKeyPair(512, 'pkcs1').publicKeyPem,
          channelId: curlHeader(page, 'CHANNEL-ID'),
        },
      ]),
    ).toEqual({ status: 200, json: { count: 1 } });
    expect(await admin('PATCH', '/admin/settings', { frozenClock: v.timestamp })).toMatchObject({
      status: 200,
      json: { frozenClock: v.timestamp },
    });
    expect(
      await admin('POST', '/admin/tokens', [
        {
          provider: 'netzme',
          clientId: curlHeader(page, 'X-PARTNER-ID'),
          accessToken: v.accessToken,
        },
      ]),
    ).toEqual({ status: 200, json: { count: 1 } });
    expect(
      await admin('POST', '/admin/accounts', [{ provider: 'netzme', accountNo: 'Mw6STUQK' }]),
    ).toEqual({ status: 200, json: { count: 1 } });
  });

  afterAll(() => sim.stop());

  it('the page’s curl request is the vector (same signature, token, timestamp, secret, body)', () => {
    expect(curlHeader(page, 'X-SIGNATURE')).toBe(v.signatureHex);
    expect(curlHeader(page, 'Authorization')).toBe(`Bearer ${v.accessToken}`);
    expect(curlHeader(page, 'X-TIMESTAMP')).toBe(v.timestamp);
    expect(curlHeader(page, 'X-CLIENT-SECRET')).toBe(v.clientSecret);
    expect(printedJsonAfter(page, '--data-raw')).toBe(v.rawBody);
  });

  it('symmetricHex: Netzme’s own signed request is accepted and answered like the page', async () => {
    const answer = await pageRequest();
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      ...JSON.parse(printedJsonAfter(page, 'Response Body')),
      referenceNo: expect.any(String),
    });
  });

  it('the same request with one signature character changed is refused 4010800', async () => {
    const flipped = (v.signatureHex[0] === 'c' ? 'd' : 'c') + v.signatureHex.slice(1);
    const answer = await pageRequest({
      'X-SIGNATURE': flipped,
      'X-EXTERNAL-ID': '41807553358950093184162180797838',
    });
    expect(answer.status).toBe(401);
    expect(answer.json.responseCode).toBe('4010800');
  });

  it('with the clock running again the page’s token has expired (4010801) and its 2022 timestamp is stale (4000801)', async () => {
    sim.updateSettings({ frozenClock: null });
    try {
      const expired = await pageRequest({ 'X-EXTERNAL-ID': '41807553358950093184162180797839' });
      expect(expired.json.responseCode).toBe('4010801');
      sim.holdTokens([
        {
          provider: 'netzme',
          clientId: curlHeader(page, 'X-PARTNER-ID'),
          accessToken: v.accessToken,
          expiresInSeconds: 3_600,
        },
      ]);
      const stale = await pageRequest({ 'X-EXTERNAL-ID': '41807553358950093184162180797841' });
      expect(stale.json.responseCode).toBe('4000801');
    } finally {
      sim.updateSettings({ frozenClock: v.timestamp });
    }
  });

  it('the page’s request without its X-CLIENT-SECRET is refused 4000802 naming the header (the page lists it, the curl sends it)', async () => {
    const answer = await pageRequest({ 'X-EXTERNAL-ID': '41807553358950093184162180797842' }, [
      'X-CLIENT-SECRET',
    ]);
    expect(answer.status).toBe(400);
    expect(answer.json.responseCode).toBe('4000802');
    expect(answer.json.responseMessage).toContain('X-CLIENT-SECRET');
  });

  it('a wrong X-CLIENT-SECRET is refused 4010800 even with a valid signature', async () => {
    const answer = await pageRequest({
      'X-CLIENT-SECRET': 'not-the-secret',
      'X-EXTERNAL-ID': '41807553358950093184162180797840',
    });
    expect(answer.json.responseCode).toBe('4010800');
  });

  it('symmetric (Midtrans demo, base64): the simulator’s own HMAC over the minified body reproduces it', () => {
    for (const s of vectors.symmetric) {
      const parts = {
        method: s.method,
        path: s.endpointPath,
        accessToken: s.accessToken,
        hashedBody: minifyJson(Buffer.from(s.rawBody)),
        timestamp: s.timestamp,
      };
      expect(symmetricSignature(s.clientSecret, parts, 'base64')).toBe(s.signatureBase64);
    }
    // And Netzme's, in hex, the same way.
    expect(
      symmetricSignature(
        v.clientSecret,
        {
          method: v.method,
          path: v.endpointPath,
          accessToken: v.accessToken,
          hashedBody: minifyJson(Buffer.from(v.rawBody)),
          timestamp: v.timestamp,
        },
        'hex',
      ),
    ).toBe(v.signatureHex);
  });

  it('bodyHash: minifying an already minified body changes nothing', () => {
    for (const b of vectors.bodyHash) {
      expect(minifyJson(Buffer.from(b.minifiedBody)).toString()).toBe(b.minifiedBody);
    }
  });

  it('a seed file can hold the page’s token and freeze the clock (as docker compose would start it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snap-vectors-seed-'));
    try {
      const seed = {
        settings: { frozenClock: v.timestamp },
        partners: [
          {
            provider: 'netzme',
            clientId: curlHeader(page, 'X-PARTNER-ID'),
            clientSecret: v.clientSecret,
            publicKeyPem: rsaKeyPair(512, 'pkcs1').publicKeyPem,
            channelId: curlHeader(page, 'CHANNEL-ID'),
          },
        ],
        tokens: [
          {
            provider: 'netzme',
            clientId: curlHeader(page, 'X-PARTNER-ID'),
            accessToken: v.accessToken,
          },
        ],
        accounts: [{ provider: 'netzme', accountNo: 'Mw6STUQK', status: 'blocked' }],
      };
      const seedPath = join(dir, 'seed.json');
      writeFileSync(seedPath, JSON.stringify(seed));
      const started = await startSimulatorFromEnv(
        { PORT: '0', SIMULATOR_SEED_FILE: seedPath },
        memoryLogger('silent').logger,
      );
      try {
        const answer = await request(started.baseUrl + v.endpointPath, {
          method: 'POST',
          headers: {
            'X-TIMESTAMP': v.timestamp,
            'X-CLIENT-SECRET': curlHeader(page, 'X-CLIENT-SECRET'),
            'X-PARTNER-ID': curlHeader(page, 'X-PARTNER-ID'),
            'X-SIGNATURE': v.signatureHex,
            'Content-Type': 'application/json',
            Authorization: `Bearer ${v.accessToken}`,
            'X-EXTERNAL-ID': curlHeader(page, 'X-EXTERNAL-ID'),
            'CHANNEL-ID': curlHeader(page, 'CHANNEL-ID'),
          },
          body: v.rawBody,
        });
        const json = (await answer.body.json()) as { additionalInfo: { status: string } };
        expect(answer.statusCode).toBe(200);
        expect(json.additionalInfo.status).toBe('blocked');
      } finally {
        await started.simulator.stop();
      }
      // A token for a partner the seed does not register is refused, naming it, not the token.
      writeFileSync(
        seedPath,
        JSON.stringify({ ...seed, tokens: [{ ...seed.tokens[0], clientId: 'NOBODY' }] }),
      );
      let message = '';
      try {
        createSnapSimulator({ ...loadSeedFile(seedPath), logger: memoryLogger('silent').logger });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/tokens\[0\]: clientId: no netzme partner "NOBODY"/);
      expect(message).not.toContain(v.accessToken);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no secret or token of the page reaches the simulator’s log', () => {
    const text = logs.lines.join('\n');
    expect(text).not.toContain(v.clientSecret);
    expect(text).not.toContain(v.accessToken);
  });
});

function withoutHeaders(omit: string[], headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !omit.includes(name)));
}
