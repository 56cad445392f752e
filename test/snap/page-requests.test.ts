import { createHash, createHmac, createPublicKey, verify } from 'node:crypto';
import Redis from 'ioredis';
import {
  CredentialRegistry,
  ExternalIdGenerator,
  fetchHistory,
  loadPrivateKey,
  ProfileOverrides,
  profileOverridesFromEnv,
  ProviderName,
  randomInstanceId,
  resolveProfile,
  Secret,
  SnapClientDeps,
  SnapClientFactory,
  SnapCredentials,
  SnapError,
  SnapHttp,
  SnapTransport,
} from '@app/snap';
import { appHeaders, CapturedRequest, CaptureServer } from './support/capture-server';
import { PemKeyPair, rsaKeyPair } from './support/keys';
import {
  curlHeaders,
  PAGES,
  pageEndpoint,
  pageLines,
  pageText,
  printedJsonAfter,
} from './support/provider-pages';
import { REDIS_URL, uniq } from './support/world';

/**
 * What the real client (SnapClientFactory → SnapClient → transport → SnapHttp) puts on the wire,
 * compared with each provider page in ../shared/seeds, and how it reads the answers the pages
 * list. A bare capture server stands in for the provider: it records the bytes and checks
 * nothing itself, so every expectation below comes from the page text (quoted), or from
 * PROTOCOL.md where the page is silent (said so), never from the simulator or the client's
 * own constants. docs/providers/PAGE-CONFORMANCE.md lists each check.
 */
const NETZME_BALANCE_PAGE = pageText(PAGES.netzmeBalance);
const NETZME_STATUS_PAGE = pageText(PAGES.netzmeAccountStatus);
const NICEPAY_PAGE = pageText(PAGES.nicepayBalance);
const FINNET_PAGE = pageText(PAGES.finnetBalance);

/** "yyyy-MM-ddTHH:mm:ssTZD" (Netzme, Finnet), "2022-03-21T10:11:40+07:00" (NICEPay). */
const SNAP_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const TOKENS: Record<ProviderName, string> = {
  netzme: `eyJhbGciOiJIUzUxMiJ9.netzme-${uniq()}.sig`,
  nicepay: `nicepay-token-${uniq()}`,
  finnet: `finnet-token-${uniq()}`,
};

interface Partner {
  clientId: string;
  clientSecret: string;
  channelId?: string;
  keys: PemKeyPair;
}

/** Partners named as the pages name them where they do (NetmeClientId, IONPAYTEST). */
const PARTNERS: Record<ProviderName, Partner> = {
  netzme: {
    clientId: 'NetmeClientId',
    clientSecret: `nz-secret-${uniq()}`,
    // "CHANNEL-ID: e.g 95221"
    channelId: '95221',
    keys: rsaKeyPair(512, 'pkcs1'),
  },
  nicepay: {
    clientId: 'IONPAYTEST',
    clientSecret: `np-secret-${uniq()}`,
    keys: rsaKeyPair(2048, 'pkcs8'),
  },
  finnet: {
    clientId: 'FINNET-PARTNER-01',
    clientSecret: `fn-secret-${uniq()}`,
    // "X-CHANNEL-ID | String (5)"
    channelId: '12345',
    keys: rsaKeyPair(2048, 'pkcs8'),
  },
};

function credentials(provider: ProviderName, baseUrl: string): SnapCredentials {
  const p = PARTNERS[provider];
  return {
    provider,
    name: 'default',
    baseUrl,
    clientId: p.clientId,
    partnerId: p.clientId,
    clientSecret: new Secret(p.clientSecret),
    privateKey: loadPrivateKey(p.keys.privateKeyPem),
    channelId: p.channelId,
  };
}

const hmac = (secret: string, text: string, encoding: 'hex' | 'base64') =>
  createHmac('sha512', secret).update(text).digest(encoding);
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** PROTOCOL.md §2, written out here: METHOD:path:token:lowercase-hex-sha256(body):timestamp. */
function expectedSignature(
  provider: ProviderName,
  req: CapturedRequest,
  signedPath: string,
  encoding: 'hex' | 'base64',
): string {
  const h = appHeaders(req);
  const text = [req.method, signedPath, TOKENS[provider], sha256Hex(req.body), h['x-timestamp']];
  return hmac(PARTNERS[provider].clientSecret, text.join(':'), encoding);
}

/** Object keys, nested ones dotted, in the order they are written. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return v && typeof v === 'object' && !Array.isArray(v) ? keyPaths(v, path) : [path];
  });
}

const lower = (names: string[]) => names.map((n) => n.toLowerCase()).sort();

describe('requests the client builds and answers it reads, against the providers’ pages', () => {
  const server = new CaptureServer();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const keyPrefix = `test:snap:pages:${uniq()}`;
  const http = new SnapHttp({ connectMs: 2_000, readMs: 5_000 });
  let baseUrl: string;

  const factory = (overrides: Partial<Record<ProviderName, ProfileOverrides>> = {}) => {
    const deps: SnapClientDeps = {
      http,
      redis,
      ids: new ExternalIdGenerator(randomInstanceId()),
      tokenKeyPrefix: `${keyPrefix}:${uniq(3)}`,
      // The Netzme example answer's ts is from 2022.
      providerTimeSkewMs: 20 * 365 * 86_400_000,
    };
    const registry = new CredentialRegistry(
      (['netzme', 'nicepay', 'finnet'] as const).map((p) => credentials(p, baseUrl)),
    );
    return new SnapClientFactory(registry, deps, overrides);
  };

  /** The last request the client sent to a path. */
  const last = (path: string): CapturedRequest => {
    const all = server.to(path);
    expect(all.length).toBeGreaterThan(0);
    return all[all.length - 1];
  };

  const NETZME_BALANCE_ANSWER = printedJsonAfter(NETZME_BALANCE_PAGE, 'Response Body');
  const NETZME_STATUS_ANSWER = printedJsonAfter(NETZME_STATUS_PAGE, 'Response Body');
  /** NICEPay prints no example answer: its response table's fields, msId (Optional) left out. */
  const NICEPAY_ANSWER =
    '{"responseCode":"2001100","responseMessage":"Successful","accountNo":"IONPAYTEST","accountInfos":[{"availableBalance":{"value":"10000.00","currency":"IDR"}}]}';
  /** Finnet's "Sample Response" is empty: its table's fields (referenceNo String (8)). */
  const FINNET_ANSWER =
    '{"responseCode":"2001100","responseMessage":"Successful","referenceNo":"12345678","partnerReferenceNo":"TRX001","name":"Toko Finnet","accountInfos":[{"availableBalance":{"value":"10000.00","currency":"IDR"}}]}';

  const PATHS = {
    netzmeBalance: pageEndpoint(NETZME_BALANCE_PAGE).path,
    netzmeStatus: pageEndpoint(NETZME_STATUS_PAGE).path,
    // NICEPay's "API Endpoint" cell is empty: PROTOCOL.md §3 (official SDKs).
    nicepayBalance: '/nicepay/api/v1.0/balance-inquiry',
    // The Sample Request's URL.
    finnetBalance: new URL(/curl --location '\s*(\S+)'/.exec(FINNET_PAGE)![1]).pathname,
  };
  /** PROTOCOL.md §1 (no seed page shows the token call). */
  const TOKEN_PATHS: Record<ProviderName, string> = {
    netzme: '/api/v1/access-token/b2b',
    nicepay: '/nicepay/v1.0/access-token/b2b',
    finnet: '/v1.0/access-token/b2b',
  };

  beforeAll(async () => {
    baseUrl = await server.start();
    for (const provider of ['netzme', 'nicepay', 'finnet'] as const) {
      server.answer(TOKEN_PATHS[provider], () => ({
        status: 200,
        body: JSON.stringify({
          responseCode: '2007300',
          responseMessage: 'Successful',
          accessToken: TOKENS[provider],
          tokenType: 'Bearer',
          expiresIn: '900',
        }),
      }));
    }
    server.answer(PATHS.netzmeBalance, () => ({ status: 200, body: NETZME_BALANCE_ANSWER }));
    server.answer(PATHS.netzmeStatus, () => ({ status: 200, body: NETZME_STATUS_ANSWER }));
    // "accountNo … Merchant identifier": the answer names the account the request named.
    server.answer(PATHS.nicepayBalance, (req) => ({
      status: 200,
      body: NICEPAY_ANSWER.replace(
        '"accountNo":"IONPAYTEST"',
        `"accountNo":${JSON.stringify(JSON.parse(req.body).accountNo)}`,
      ),
    }));
    server.answer(PATHS.finnetBalance, () => ({ status: 200, body: FINNET_ANSWER }));
  });

  afterAll(async () => {
    await http.close();
    await server.stop();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('the pages say what the checks below read from them (sanity of the extraction)', () => {
    expect(pageEndpoint(NETZME_BALANCE_PAGE)).toEqual({
      method: 'POST',
      path: '/api/v1.0/payment/balance-inquiry',
    });
    expect(pageEndpoint(NETZME_STATUS_PAGE)).toEqual({
      method: 'POST',
      path: '/api/v1.0/account/registration-account-inquiry',
    });
    expect(PATHS.finnetBalance).toBe('/topup/v1.0/balance-inquiry-merchant');
    expect(NICEPAY_PAGE).toContain('HTTP Method | POST |');
    expect(curlHeaders(NETZME_BALANCE_PAGE).map(([n]) => n)).toEqual([
      'X-TIMESTAMP',
      'X-CLIENT-SECRET',
      'X-SIGNATURE',
      'Content-Type',
      'Authorization',
      'X-PARTNER-ID',
      'X-EXTERNAL-ID',
      'CHANNEL-ID',
    ]);
  });

  describe('Netzme Get Balance page (seed 000)', () => {
    const pageHeaders = new Map(curlHeaders(NETZME_BALANCE_PAGE));
    /** The Authorization form of each balance request so far: the bare token or `Bearer`. */
    const balanceForms = () =>
      server.to(PATHS.netzmeBalance).map((r) => appHeaders(r).authorization.split(' ')[0]);
    const UNAUTHORIZED_SIGNATURE = {
      status: 401,
      body: '{"responseCode":"4011100","responseMessage":"Unauthorized. [Signature]"}',
    };
    const INVALID_TOKEN = {
      status: 401,
      body: '{"responseCode":"4011101","responseMessage":"Invalid Token (B2B)"}',
    };

    it('POST to the page’s path with exactly the curl’s headers in the page’s formats', async () => {
      await factory().get('netzme').balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      const req = last(PATHS.netzmeBalance);
      const h = appHeaders(req);
      expect(req.method).toBe('POST');
      // Both Netzme pages send X-CLIENT-SECRET: the default follows them.
      expect(Object.keys(h).sort()).toEqual(lower([...pageHeaders.keys()]));
      expect(h['x-client-secret']).toBe(PARTNERS.netzme.clientSecret);
      expect(h['content-type']).toBe(pageHeaders.get('Content-Type'));
      // "X-TIMESTAMP: Client's current local time in yyyy-MM-ddTHH:mm:ssTZD", e.g. +07:00.
      expect(h['x-timestamp']).toMatch(SNAP_TIMESTAMP);
      expect(h['x-timestamp']).toHaveLength(pageHeaders.get('X-TIMESTAMP')!.length);
      expect(h['x-timestamp'].endsWith('+07:00')).toBe(true);
      // "X-PARTNER-ID: Client id e.g NetmeClientId"; "CHANNEL-ID: e.g 95221".
      expect(h['x-partner-id']).toBe(pageHeaders.get('X-PARTNER-ID'));
      expect(h['channel-id']).toBe(pageHeaders.get('CHANNEL-ID'));
      // "X-EXTERNAL-ID: e.g 41807553358950093184162180797837": 32 digits.
      expect(h['x-external-id']).toMatch(/^\d+$/);
      expect(h['x-external-id']).toHaveLength(pageHeaders.get('X-EXTERNAL-ID')!.length);
      // The page's X-SIGNATURE is 128 lowercase hex characters.
      expect(pageHeaders.get('X-SIGNATURE')).toMatch(/^[0-9a-f]{128}$/);
      expect(h['x-signature']).toMatch(/^[0-9a-f]{128}$/);
      expect(h['x-signature']).toBe(expectedSignature('netzme', req, PATHS.netzmeBalance, 'hex'));
      // The curl's `Authorization: eyJhbGci…`: the bare token, no scheme.
      expect(pageHeaders.get('Authorization')).toMatch(/^eyJ[^ ]+$/);
      expect(h.authorization).toBe(TOKENS.netzme);
    });

    it('the body has the page’s Request Body fields, in its order, minified, accountNo as given', () => {
      const req = last(PATHS.netzmeBalance);
      const page = JSON.parse(printedJsonAfter(NETZME_BALANCE_PAGE, 'Request Body'));
      const sent = JSON.parse(req.body);
      expect(keyPaths(sent)).toEqual(keyPaths(page));
      expect(req.body).toBe(JSON.stringify(sent));
      expect(sent.accountNo).toBe(page.accountNo);
      expect(typeof sent.partnerReferenceNo).toBe('string');
      // "unique for each request": the X-EXTERNAL-ID of the attempt.
      expect(sent.partnerReferenceNo).toBe(appHeaders(req)['x-external-id']);
    });

    it('sendClientSecret off: the curl’s headers but X-CLIENT-SECRET', async () => {
      await factory({ netzme: { sendClientSecret: false } })
        .get('netzme')
        .balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      const h = appHeaders(last(PATHS.netzmeBalance));
      expect(Object.keys(h).sort()).toEqual(
        lower([...pageHeaders.keys()].filter((n) => n !== 'X-CLIENT-SECRET')),
      );
    });

    it('a deployment can send Bearer here too (authorizationSchemeByOperation); the account status keeps its page’s Bearer either way', async () => {
      const client = factory({
        netzme: { authorizationSchemeByOperation: { 'balance-inquiry': 'Bearer' } },
      }).get('netzme');
      await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      const req = last(PATHS.netzmeBalance);
      expect(appHeaders(req).authorization).toBe(`Bearer ${TOKENS.netzme}`);
      // The string to sign holds the bare token whichever form the header has.
      expect(appHeaders(req)['x-signature']).toBe(
        expectedSignature('netzme', req, PATHS.netzmeBalance, 'hex'),
      );
      await client.accountStatus('Mw6STUQK');
      expect(appHeaders(last(PATHS.netzmeStatus)).authorization).toBe(`Bearer ${TOKENS.netzme}`);
    });

    it('refused (401) with the bare token, as a provider reading its other page (Bearer) would: sent once more with Bearer, kept after; refused in both forms, the form it had stays', async () => {
      const client = factory().get('netzme');
      const before = balanceForms().length;
      server.queue(PATHS.netzmeBalance, UNAUTHORIZED_SIGNATURE);
      const r = await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      expect(r.responseCode).toBe('2001100');
      await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      expect(balanceForms().slice(before)).toEqual([TOKENS.netzme, 'Bearer', 'Bearer']);
      // Refused in both forms (a signature the provider refuses, not the form): the call fails
      // and the next one is sent in the form that worked last.
      server.queue(PATHS.netzmeBalance, UNAUTHORIZED_SIGNATURE, UNAUTHORIZED_SIGNATURE);
      await expect(
        client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' }),
      ).rejects.toMatchObject({ details: { responseCode: '4011100' } });
      await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      expect(balanceForms().slice(before + 3)).toEqual(['Bearer', TOKENS.netzme, 'Bearer']);
      // The account status call keeps its page's Bearer throughout: it has no other form.
      await client.accountStatus('Mw6STUQK');
      expect(appHeaders(last(PATHS.netzmeStatus)).authorization).toBe(`Bearer ${TOKENS.netzme}`);
    });

    it('refused (4011100) in the page’s bare form and answered 4011101 "Invalid Token (B2B)" in Bearer, as a provider strict to this page would: the call fails with the page form’s 4011100 (permanent), without asking a new token for the other form’s refusal', async () => {
      const client = factory().get('netzme');
      // A fresh client: its first call asks the one token it needs.
      await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      const before = balanceForms().length;
      const tokensBefore = server.to(TOKEN_PATHS.netzme).length;
      server.queue(PATHS.netzmeBalance, UNAUTHORIZED_SIGNATURE, INVALID_TOKEN);
      await expect(
        client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' }),
      ).rejects.toMatchObject({ kind: 'permanent', details: { responseCode: '4011100' } });
      expect(balanceForms().slice(before)).toEqual([TOKENS.netzme, 'Bearer']);
      expect(server.to(TOKEN_PATHS.netzme).length).toBe(tokensBefore);
      // The next call is sent in the page's form again.
      await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      expect(balanceForms().slice(before + 2)).toEqual([TOKENS.netzme]);
    });

    it('a provider that takes Bearer only (it answers the bare token 4011101) and a wrong secret (4011100 in Bearer): the call fails with the permanent 4011100, whichever form it came in', async () => {
      const client = factory().get('netzme');
      await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      const before = balanceForms().length;
      server.queue(PATHS.netzmeBalance, INVALID_TOKEN, INVALID_TOKEN, UNAUTHORIZED_SIGNATURE);
      await expect(
        client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' }),
      ).rejects.toMatchObject({ kind: 'permanent', details: { responseCode: '4011100' } });
      // The bare token, refused as a token: a fresh one once; refused again: Bearer.
      expect(balanceForms().slice(before)).toEqual([TOKENS.netzme, TOKENS.netzme, 'Bearer']);
    });

    it('a provider refusing the bare token on every call, 50 calls in flight at once: each is sent once more with Bearer, none fails, and the form settles on Bearer', async () => {
      const client = factory().get('netzme');
      const before = server.to(PATHS.netzmeBalance).length;
      server.answer(PATHS.netzmeBalance, (req) =>
        appHeaders(req).authorization.startsWith('Bearer ')
          ? { status: 200, body: NETZME_BALANCE_ANSWER }
          : {
              status: 401,
              body: '{"responseCode":"4011100","responseMessage":"Unauthorized. [Token]"}',
            },
      );
      try {
        const all = await Promise.allSettled(
          Array.from({ length: 50 }, () =>
            client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' }),
          ),
        );
        expect(all.filter((r) => r.status === 'rejected')).toEqual([]);
        // Each of the 50 refused in flight switched the form (it flipped back and forth, so
        // calls were refused in both and failed, and the form the process kept was chance).
        for (let i = 0; i < 5; i++)
          await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
        const forms = server
          .to(PATHS.netzmeBalance)
          .slice(before)
          .map((r) => appHeaders(r).authorization.split(' ')[0]);
        expect(forms.slice(-5)).toEqual(Array(5).fill('Bearer'));
        expect(forms.length).toBe(105);
      } finally {
        server.answer(PATHS.netzmeBalance, () => ({ status: 200, body: NETZME_BALANCE_ANSWER }));
      }
    });

    it('the page’s example answer: Cash 0.00 IDR of Cash and Points, provider time 1663940662217', async () => {
      const r = await factory()
        .get('netzme')
        .balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      expect(r.responseCode).toBe('2001100');
      expect(r.availableBalance).toBe(0n);
      expect(r.balances.map((b) => [b.balanceType, b.value])).toEqual([
        ['Cash', 0n],
        ['Points', 0n],
      ]);
      expect(r.providerTime?.getTime()).toBe(1663940662217);
      // The page answers another partnerReferenceNo than it sent: read, not refused.
      expect(r.partnerReferenceNo).toBe('testing012398120312');
    });

    it('a Points entry that is not an amount does not spoil the Cash balance that is reconciled; the Cash entry must read exactly', async () => {
      const withPoints = (cash: string, points: string) => {
        const body = JSON.parse(NETZME_BALANCE_ANSWER);
        body.accountInfos[0].availableBalance.value = cash;
        body.accountInfos[1].availableBalance.value = points;
        server.queue(PATHS.netzmeBalance, { status: 200, body: JSON.stringify(body) });
      };
      const client = factory().get('netzme');
      withPoints('150.25', '120');
      const r = await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      expect(r.availableBalance).toBe(15_025n);
      expect(r.balances[1]).toEqual({
        balanceType: 'Points',
        value: null,
        currency: 'IDR',
        unreadable:
          'accountInfos[1].availableBalance.value: "120" is not an amount of the form -?digits.dd',
      });
      // A Points entry naming no currency: none is made up for it (it read "undefined").
      const noCurrency = JSON.parse(NETZME_BALANCE_ANSWER);
      noCurrency.accountInfos[1].availableBalance = { value: 'n/a' };
      server.queue(PATHS.netzmeBalance, { status: 200, body: JSON.stringify(noCurrency) });
      const bare = await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      expect(bare.balances[1]).toMatchObject({
        balanceType: 'Points',
        value: null,
        currency: null,
      });
      withPoints('150', '0.00');
      await expect(
        client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' }),
      ).rejects.toMatchObject({
        kind: 'contract-breach',
        message: expect.stringContaining(
          'accountInfos[0].availableBalance.value: "150" is not an amount',
        ),
      });
    });
  });

  describe('Netzme Get Account Status page (seed 001)', () => {
    const pageHeaders = curlHeaders(NETZME_STATUS_PAGE);
    const headerOf = (name: string) => pageHeaders.find(([n]) => n === name)![1];

    it('POST to the page’s path; body of the page’s fields (partnerReferenceNo, additionalInfo.custId)', async () => {
      const status = await factory().get('netzme').accountStatus('Mw6STUQK');
      const req = last(PATHS.netzmeStatus);
      const h = appHeaders(req);
      expect(req.method).toBe('POST');
      expect(Object.keys(h).sort()).toEqual(lower(pageHeaders.map(([n]) => n)));
      expect(h['x-client-secret']).toBe(PARTNERS.netzme.clientSecret);
      const page = JSON.parse(printedJsonAfter(NETZME_STATUS_PAGE, '--data-raw'));
      const sent = JSON.parse(req.body);
      expect(keyPaths(sent)).toEqual(keyPaths(page));
      expect(sent.additionalInfo.custId).toBe('Mw6STUQK');
      expect(h['x-signature']).toBe(expectedSignature('netzme', req, PATHS.netzmeStatus, 'hex'));
      // The curl's `Authorization: Bearer eyJhbGci…`.
      expect(headerOf('Authorization')).toMatch(/^Bearer eyJ[^ ]+$/);
      expect(h.authorization).toBe(`Bearer ${TOKENS.netzme}`);
      // The page's example answer (premium / regular / approved_v2): an ordinary, active account.
      expect(status).toMatchObject({
        responseCode: '2000800',
        active: true,
        inactiveBecause: null,
      });
    });

    it('judges the field the page calls "Account status", never the one it calls "Status request"', async () => {
      const fieldDescribed = (description: string) =>
        new RegExp(`^(\\w+)\\s+String\\s+${description}$`, 'm').exec(NETZME_STATUS_PAGE)![1];
      const accountStatus = fieldDescribed('Account status');
      const requestStatus = fieldDescribed('Status request');
      expect([accountStatus, requestStatus]).toEqual(['userStatus', 'status']);
      const answerWith = (field: string, value: string) => {
        const body = JSON.parse(NETZME_STATUS_ANSWER);
        body.additionalInfo[field] = value;
        server.answer(PATHS.netzmeStatus, () => ({ status: 200, body: JSON.stringify(body) }));
      };
      try {
        // "closed" is in the inactive list: as a request's status it says nothing of the account.
        answerWith(requestStatus, 'closed');
        const closedRequest = await factory().get('netzme').accountStatus('Mw6STUQK');
        expect(closedRequest).toMatchObject({ active: true, inactiveBecause: null });
        expect(closedRequest.values).toMatchObject({ [requestStatus]: 'closed' });
        answerWith(accountStatus, 'blocked');
        const blocked = await factory().get('netzme').accountStatus('Mw6STUQK');
        expect(blocked).toMatchObject({
          active: false,
          inactiveBecause: `${accountStatus}=blocked`,
        });
      } finally {
        server.answer(PATHS.netzmeStatus, () => ({ status: 200, body: NETZME_STATUS_ANSWER }));
      }
    });

    it('the page’s complete signed request is what the client’s transport builds from the same inputs, header for header', () => {
      const transport = new SnapTransport(
        resolveProfile('netzme', { sendClientSecret: true }),
        {
          ...credentials('netzme', baseUrl),
          clientId: headerOf('X-PARTNER-ID'),
          partnerId: headerOf('X-PARTNER-ID'),
          clientSecret: new Secret(headerOf('X-CLIENT-SECRET')),
          channelId: headerOf('CHANNEL-ID'),
        },
        {} as SnapClientDeps,
      );
      const built = transport.signedHeaders({
        token: headerOf('Authorization').replace(/^Bearer /, ''),
        externalId: headerOf('X-EXTERNAL-ID'),
        signedPath: PATHS.netzmeStatus,
        // Serialized once, as the client does: the minified form of the page's body.
        body: JSON.stringify(JSON.parse(printedJsonAfter(NETZME_STATUS_PAGE, '--data-raw'))),
        timestamp: headerOf('X-TIMESTAMP'),
      });
      expect(Object.entries(built).sort()).toEqual([...pageHeaders].sort());
    });

    it('the two Netzme pages print different CHANNEL-IDs: one deployment can send each page its own (channelIdByOperation)', () => {
      const balanceChannel = new Map(curlHeaders(NETZME_BALANCE_PAGE)).get('CHANNEL-ID')!;
      const statusChannel = headerOf('CHANNEL-ID');
      expect([balanceChannel, statusChannel]).toEqual(['95221', '95521']);
      const transport = new SnapTransport(
        resolveProfile('netzme', { channelIdByOperation: { 'account-status': statusChannel } }),
        { ...credentials('netzme', baseUrl), channelId: balanceChannel },
        {} as SnapClientDeps,
      );
      const channelOf = (operation: 'balance-inquiry' | 'account-status') =>
        transport.signedHeaders({
          operation,
          token: 'token',
          externalId: '1',
          signedPath: '/',
          body: '{}',
          timestamp: headerOf('X-TIMESTAMP'),
        })['CHANNEL-ID'];
      expect(channelOf('balance-inquiry')).toBe(balanceChannel);
      expect(channelOf('account-status')).toBe(statusChannel);
    });
  });

  describe('NICEPay Disbursement SNAP balance inquiry page (seed 002)', () => {
    /** The header table: `Name | String | size | Mandatory | …` before the body table. */
    const table = pageLines(
      NICEPAY_PAGE,
      'Kebutuhan | Deskripsi | Contoh |',
      'Kebutuhan | Deskripsi |',
    )
      .filter((l) => /^[A-Za-z-]+ \| String \|/.test(l))
      .map((l) => l.split(' | '));
    const size = (name: string) => table.find((r) => r[0] === name)![2];

    it('the header table lists seven mandatory headers', () => {
      expect(table.map((r) => [r[0], r[3]])).toEqual(
        [
          'Content-Type',
          'Authorization',
          'X-TIMESTAMP',
          'X-SIGNATURE',
          'X-PARTNER-ID',
          'X-EXTERNAL-ID',
          'CHANNEL-ID',
        ].map((n) => [n, 'Mandatory']),
      );
    });

    it('POST with exactly the table’s headers, each within its size and rule', async () => {
      await factory()
        .get('nicepay')
        .balanceInquiry({ accountNo: 'IONPAYTEST', currency: 'IDR', msId: 'SELLER0001' });
      const req = last(PATHS.nicepayBalance);
      const h = appHeaders(req);
      expect(req.method).toBe('POST');
      expect(Object.keys(h).sort()).toEqual(lower(table.map((r) => r[0])));
      expect(h['content-type']).toBe('application/json');
      // "Bearer “accessToken”".
      expect(h.authorization).toBe(`Bearer ${TOKENS.nicepay}`);
      // "X-TIMESTAMP | String | 25 | … YYYYMMDDTHH:mm:ss+07:00. Time must be in GMT+7 (Jakarta time)".
      expect(h['x-timestamp']).toMatch(SNAP_TIMESTAMP);
      expect(h['x-timestamp']).toHaveLength(Number(size('X-TIMESTAMP')));
      expect(h['x-timestamp'].endsWith('+07:00')).toBe(true);
      // "X-PARTNER-ID | String | 20 | … Partner ID = Client ID".
      expect(h['x-partner-id']).toBe('IONPAYTEST');
      expect(h['x-partner-id'].length).toBeLessThanOrEqual(Number(size('X-PARTNER-ID')));
      // "X-EXTERNAL-ID | String | 40 | … Numeric String".
      expect(h['x-external-id']).toMatch(/^\d+$/);
      expect(h['x-external-id'].length).toBeLessThanOrEqual(Number(size('X-EXTERNAL-ID')));
      // "Client ID + "01" = Channel ID "IONPAYTEST" + "01" = "IONPAYTEST01"".
      expect(h['channel-id']).toBe('IONPAYTEST01');
      expect(h['channel-id'].length).toBeLessThanOrEqual(Number(size('CHANNEL-ID')));
      // PROTOCOL.md §2: base64, signed without the /nicepay context prefix.
      expect(h['x-signature']).toBe(
        expectedSignature('nicepay', req, '/api/v1.0/balance-inquiry', 'base64'),
      );
    });

    it('the body: accountNo (Mandatory) and additionalInfo.msId (Conditional) for a seller; accountNo alone otherwise', async () => {
      expect(NICEPAY_PAGE).toContain('accountNo | String | 10 | Mandatory');
      expect(NICEPAY_PAGE).toContain('msId | String | 20 | Conditional');
      const seller = JSON.parse(last(PATHS.nicepayBalance).body);
      expect(seller).toEqual({ accountNo: 'IONPAYTEST', additionalInfo: { msId: 'SELLER0001' } });
      await factory().get('nicepay').balanceInquiry({ accountNo: 'IONPAYTEST', currency: 'IDR' });
      expect(JSON.parse(last(PATHS.nicepayBalance).body)).toEqual({ accountNo: 'IONPAYTEST' });
    });

    it('an account longer than the request table allows is refused before it is sent, naming the field and the value', async () => {
      // The request body table (the response table's accountNo row is the same but follows it).
      const accountNoMax = Number(
        /^accountNo \| String \| (\d+) \| Mandatory/m.exec(NICEPAY_PAGE)![1],
      );
      const msIdMax = Number(/^msId \| String \| (\d+) \| Conditional/m.exec(NICEPAY_PAGE)![1]);
      expect([accountNoMax, msIdMax]).toEqual([10, 20]);
      const client = factory().get('nicepay');
      const fits = { accountNo: 'A'.repeat(accountNoMax), msId: 'S'.repeat(msIdMax) };
      await client.balanceInquiry({ ...fits, currency: 'IDR' });
      expect(JSON.parse(last(PATHS.nicepayBalance).body)).toEqual({
        accountNo: fits.accountNo,
        additionalInfo: { msId: fits.msId },
      });
      const sent = server.to(PATHS.nicepayBalance).length;
      const longNo = 'A'.repeat(accountNoMax + 1);
      await expect(
        client.balanceInquiry({ accountNo: longNo, currency: 'IDR' }),
      ).rejects.toMatchObject({
        kind: 'permanent',
        message: expect.stringContaining(
          `accountNo "${longNo}" is ${accountNoMax + 1} characters; nicepay's balance request allows at most ${accountNoMax}`,
        ),
      });
      const longSeller = 'S'.repeat(msIdMax + 1);
      await expect(
        client.balanceInquiry({ accountNo: fits.accountNo, msId: longSeller, currency: 'IDR' }),
      ).rejects.toMatchObject({
        kind: 'permanent',
        message: expect.stringContaining(`msId "${longSeller}" is ${msIdMax + 1} characters`),
      });
      expect(server.to(PATHS.nicepayBalance)).toHaveLength(sent);
    });

    it('an answer naming another accountNo, or none (Mandatory), is a contract breach, never a balance', async () => {
      // The response table: "accountNo | String | 10 | Mandatory | Merchant identifier that is
      // unique per each merchant".
      expect(NICEPAY_PAGE).toContain(
        'accountNo | String | 10 | Mandatory | Merchant identifier that is unique per each merchant',
      );
      const client = factory().get('nicepay');
      const other = JSON.parse(NICEPAY_ANSWER.replace('IONPAYTEST', 'NP00999')) as object;
      const { accountNo: _dropped, ...none } = JSON.parse(NICEPAY_ANSWER) as Record<
        string,
        unknown
      >;
      for (const [answer, echoed] of [
        [other, '"NP00999"'],
        [none, 'undefined'],
      ] as const) {
        server.queue(PATHS.nicepayBalance, { status: 200, body: JSON.stringify(answer) });
        await expect(
          client.balanceInquiry({ accountNo: 'IONPAYTEST', currency: 'IDR' }),
        ).rejects.toMatchObject({
          kind: 'contract-breach',
          message: `nicepay: asked for accountNo "IONPAYTEST", the answer's accountNo is ${echoed}: it may be another merchant's balance`,
        });
      }
    });

    it('an answer naming a seller (msId) to a request for the merchant’s own balance is a contract breach', async () => {
      // The request table: "msId | String | 20 | Conditional | Merchant Seller ID"; the
      // response table: "msId | String | 20 | Optional | Merchant Seller Id".
      expect(NICEPAY_PAGE).toContain('msId | String | 20 | Optional | Merchant Seller Id');
      const sellers = JSON.parse(NICEPAY_ANSWER) as Record<string, unknown>;
      sellers.additionalInfo = { msId: 'SELLER0001' };
      server.queue(PATHS.nicepayBalance, { status: 200, body: JSON.stringify(sellers) });
      await expect(
        factory().get('nicepay').balanceInquiry({ accountNo: 'IONPAYTEST', currency: 'IDR' }),
      ).rejects.toMatchObject({
        kind: 'contract-breach',
        message:
          "nicepay: asked for the merchant's own balance (no seller), the answer's additionalInfo.msId is \"SELLER0001\": it may be that seller's balance",
      });
    });

    it('an answer of the response table’s fields without the Optional additionalInfo.msId is read for a seller', async () => {
      expect(NICEPAY_PAGE).toContain('msId | String | 20 | Optional | Merchant Seller Id');
      const r = await factory()
        .get('nicepay')
        .balanceInquiry({ accountNo: 'IONPAYTEST', currency: 'IDR', msId: 'SELLER0001' });
      // "IDR 10.000,- will be placed with 10000.00".
      expect(r.availableBalance).toBe(1_000_000n);
    });
  });

  describe('Finnet merchant balance inquiry page (seed 003)', () => {
    /** "Required Headers": rows of No, Name, Type, Mandatory, Description. */
    const rows = pageLines(FINNET_PAGE, 'Required Headers', 'Body Request').slice(5);
    const table = Array.from({ length: rows.length / 5 }, (_, i) => rows.slice(i * 5, i * 5 + 5));
    const typeOf = (name: string) => table.find((r) => r[1] === name)![2];
    const maxLength = (name: string) => Number(/\((\d+)\)/.exec(typeOf(name))![1]);
    const sample = new Map(curlHeaders(FINNET_PAGE));

    it('the header table lists seven headers', () => {
      expect(table.map((r) => r[1])).toEqual([
        'Content-Type',
        'Authorization',
        'X-TIMESTAMP',
        'X-PARTNERID',
        'X-SIGNATURE',
        'X-EXTERNAL-ID',
        'X-CHANNEL-ID',
      ]);
    });

    it('POST to the sample’s path with the table’s headers (and the sample’s Accept), each in the table’s format', async () => {
      await factory().get('finnet').balanceInquiry({ accountNo: 'ignored', currency: 'IDR' });
      const req = last(PATHS.finnetBalance);
      const h = appHeaders(req);
      expect(req.method).toBe('POST');
      expect(Object.keys(h).sort()).toEqual(lower([...table.map((r) => r[1]), 'Accept']));
      // "Fill with application/json"; the sample sends "Accept: application/json".
      expect(h['content-type']).toBe('application/json');
      expect(h.accept).toBe(sample.get('Accept'));
      // "Bearer <access_token>" (the sample's "Basic ZGVtby51c2VyOg==" contradicts the table).
      expect(h.authorization).toBe(`Bearer ${TOKENS.finnet}`);
      // "Timestamp in RFC3339 format: yyyy-MM-ddTHH:mm:ssTZD".
      expect(h['x-timestamp']).toMatch(SNAP_TIMESTAMP);
      expect(h['x-partnerid']).toBe(PARTNERS.finnet.clientId);
      expect(h['x-partnerid'].length).toBeLessThanOrEqual(maxLength('X-PARTNERID'));
      expect(h['x-external-id'].length).toBeLessThanOrEqual(maxLength('X-EXTERNAL-ID'));
      expect(h['x-channel-id']).toBe(PARTNERS.finnet.channelId);
      expect(h['x-channel-id'].length).toBeLessThanOrEqual(maxLength('X-CHANNEL-ID'));
      // "base64(HMAC_SHA512($ClientSecret, stringToSign))".
      expect(typeOf('X-SIGNATURE')).toBe('String');
      expect(h['x-signature']).toBe(
        expectedSignature('finnet', req, PATHS.finnetBalance, 'base64'),
      );
    });

    it('the body: partnerReferenceNo only (String (64)), as the sample sends it', () => {
      const sent = JSON.parse(last(PATHS.finnetBalance).body);
      const sampleBody = JSON.parse(printedJsonAfter(FINNET_PAGE, "--data '"));
      expect(keyPaths(sent)).toEqual(keyPaths(sampleBody));
      expect(sent.partnerReferenceNo.length).toBeLessThanOrEqual(64);
    });

    it('an answer of the response table’s fields is read with the merchant name', async () => {
      const r = await factory().get('finnet').balanceInquiry({ accountNo: 'x', currency: 'IDR' });
      expect(r).toMatchObject({
        responseCode: '2001100',
        availableBalance: 1_000_000n,
        providerName: 'Toko Finnet',
        referenceNo: '12345678',
      });
    });

    it('an answer without the Mandatory name is a contract breach: whose balance it is is unknown', async () => {
      // "Body Response": rows of No, Name, Type, Mandatory, Description; row 5 is the name.
      const body = pageLines(FINNET_PAGE, 'Body Response', 'Sample Response');
      const at = body.indexOf('name');
      expect(body.slice(at, at + 4)).toEqual(['name', 'String', 'M', 'Merchant name']);
      const { name: _dropped, ...nameless } = JSON.parse(FINNET_ANSWER) as Record<string, unknown>;
      for (const answer of [nameless, { ...nameless, name: '' }]) {
        server.queue(PATHS.finnetBalance, { status: 200, body: JSON.stringify(answer) });
        await expect(
          factory().get('finnet').balanceInquiry({ accountNo: 'x', currency: 'IDR' }),
        ).rejects.toMatchObject({
          kind: 'contract-breach',
          message: expect.stringContaining("finnet: the answer's name is"),
        });
      }
    });

    describe('the response-code table, row by row through the client', () => {
      // After a sentence and the column names No, HTTP Code, Code, Message.
      const codeRows = pageLines(FINNET_PAGE, 'Response Code & Message', 'Last updated').slice(5);
      const codes = Array.from({ length: codeRows.length / 4 }, (_, i) => ({
        httpStatus: Number(codeRows[i * 4 + 1]),
        code: codeRows[i * 4 + 2],
        message: codeRows[i * 4 + 3],
      }));
      /**
       * What each row means for the worker, from its message (PROTOCOL.md §4 for the action):
       * a retryable error is tried again, a permanent one fails the account, an invalid token
       * is refreshed once, a limit backs off.
       */
      const MEANING: Record<string, 'success' | SnapError['kind'] | 'refresh-token'> = {
        Successful: 'success',
        'Bad request': 'permanent',
        'Invalid field format {field}': 'permanent',
        'Invalid mandatory field {field}': 'permanent',
        'Invalid token (B2B)': 'refresh-token',
        'Unauthorised. [Reason]': 'permanent',
        'Feature not allowed': 'permanent',
        'Activity count limit exceeded': 'rate-limited',
        'Invalid merchant': 'permanent',
        'General error': 'transient',
        Timeout: 'transient',
      };

      it('the table has its eleven rows, each with a meaning here', () => {
        expect(codes).toHaveLength(11);
        expect(codes.map((c) => c.message)).toEqual(Object.keys(MEANING));
        for (const c of codes) {
          // "HTTP Code" is the code's first three digits.
          expect(c.code.slice(0, 3)).toBe(String(c.httpStatus));
          expect(c.code.slice(3, 5)).toBe('11');
        }
      });

      it.each(
        Object.keys(MEANING)
          .filter((m) => !['success', 'refresh-token'].includes(MEANING[m]))
          .map((m) => [m]),
      )('%s', async (message) => {
        const row = codes.find((c) => c.message === message)!;
        server.queue(PATHS.finnetBalance, {
          status: row.httpStatus,
          body: JSON.stringify({ responseCode: row.code, responseMessage: row.message }),
        });
        const error = await factory()
          .get('finnet')
          .balanceInquiry({ accountNo: 'x', currency: 'IDR' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SnapError);
        const e = error as SnapError;
        expect(e.kind).toBe(MEANING[message]);
        expect(e.retryable).toBe(MEANING[message] !== 'permanent');
        expect(e.details).toMatchObject({ httpStatus: row.httpStatus, responseCode: row.code });
        expect(e.message).toContain(row.message);
        // Listed by PROTOCOL.md §4: not read as an unknown code.
        expect(e.message).not.toContain('not a code PROTOCOL.md lists');
      });

      it('Successful (200 2001100): the answer is read', async () => {
        const row = codes.find((c) => MEANING[c.message] === 'success')!;
        expect(row).toEqual({ httpStatus: 200, code: '2001100', message: 'Successful' });
        const r = await factory().get('finnet').balanceInquiry({ accountNo: 'x', currency: 'IDR' });
        expect(r.responseCode).toBe(row.code);
      });

      it('Invalid token (B2B) (401 4011101): one new token, the call repeated once, then it stops', async () => {
        const row = codes.find((c) => MEANING[c.message] === 'refresh-token')!;
        const answer = {
          status: row.httpStatus,
          body: JSON.stringify({ responseCode: row.code, responseMessage: row.message }),
        };
        const client = factory().get('finnet');
        const tokenCalls = () => server.to(TOKEN_PATHS.finnet).length;
        const before = tokenCalls();
        server.queue(PATHS.finnetBalance, answer);
        const r = await client.balanceInquiry({ accountNo: 'x', currency: 'IDR' });
        expect(r.responseCode).toBe('2001100');
        // The first token, then the refresh after the 4011101.
        expect(tokenCalls() - before).toBe(2);
        server.queue(PATHS.finnetBalance, answer, answer);
        const error = await client
          .balanceInquiry({ accountNo: 'x', currency: 'IDR' })
          .catch((e: unknown) => e);
        expect((error as SnapError).kind).toBe('token-rejected');
        expect(tokenCalls() - before).toBe(3);
      });
    });
  });

  describe('a deployment’s other URL path (SNAP_<P>_BALANCE_PATH, SNAP_<P>_PROFILE) is the path signed', () => {
    // A strict provider signs the path it was called on (PROTOCOL.md §2): a call to a new URL
    // signed over the built-in path is refused every time (4011100).
    const fromEnv = (provider: ProviderName, env: Record<string, string>) =>
      profileOverridesFromEnv(provider, env);

    it('Finnet, SNAP_FINNET_BALANCE_PATH: sent to and signed over the new path', async () => {
      const path = '/v1.0/balance-inquiry';
      server.answer(path, () => ({ status: 200, body: FINNET_ANSWER }));
      await factory({ finnet: fromEnv('finnet', { SNAP_FINNET_BALANCE_PATH: path }) })
        .get('finnet')
        .balanceInquiry({ accountNo: 'x', currency: 'IDR' });
      const req = last(path);
      expect(appHeaders(req)['x-signature']).toBe(expectedSignature('finnet', req, path, 'base64'));
    });

    it('Netzme, SNAP_NETZME_PROFILE balancePath and history.path: each sent to and signed over its new path', async () => {
      const balancePath = '/api/v2.0/payment/balance-inquiry';
      const historyPath = '/api/v2.0/transaction/history-list';
      server.answer(balancePath, () => ({ status: 200, body: NETZME_BALANCE_ANSWER }));
      server.answer(historyPath, () => ({
        status: 200,
        body: '{"responseCode":"2001200","responseMessage":"Successful","detailData":[]}',
      }));
      const client = factory({
        netzme: fromEnv('netzme', {
          SNAP_NETZME_PROFILE: JSON.stringify({ balancePath, history: { path: historyPath } }),
        }),
      }).get('netzme');
      await client.balanceInquiry({ accountNo: 'XzIz2nVo', currency: 'IDR' });
      const balance = last(balancePath);
      expect(appHeaders(balance)['x-signature']).toBe(
        expectedSignature('netzme', balance, balancePath, 'hex'),
      );
      const window = await fetchHistory(client, {
        accountNo: 'XzIz2nVo',
        currency: 'IDR',
        from: new Date(Date.now() - 3_600_000),
        to: new Date(),
      });
      expect(window.events).toEqual([]);
      const history = last(historyPath);
      expect(appHeaders(history)['x-signature']).toBe(
        expectedSignature('netzme', history, historyPath, 'hex'),
      );
    });

    it('NICEPay, SNAP_NICEPAY_BALANCE_PATH: signed over the new path less the /nicepay prefix', async () => {
      // PROTOCOL.md §3: "one doc-page example URL shows /api/v1.0/transfer/balance-inquiry".
      const path = '/nicepay/api/v1.0/transfer/balance-inquiry';
      server.answer(path, () => ({ status: 200, body: NICEPAY_ANSWER }));
      await factory({ nicepay: fromEnv('nicepay', { SNAP_NICEPAY_BALANCE_PATH: path }) })
        .get('nicepay')
        .balanceInquiry({ accountNo: 'IONPAYTEST', currency: 'IDR' });
      const req = last(path);
      expect(appHeaders(req)['x-signature']).toBe(
        expectedSignature('nicepay', req, '/api/v1.0/transfer/balance-inquiry', 'base64'),
      );
    });
  });

  describe('the B2B token request (PROTOCOL.md §1; none of the four pages prints it)', () => {
    it.each(['netzme', 'nicepay', 'finnet'] as const)('%s', async (provider) => {
      const before = server.to(TOKEN_PATHS[provider]).length;
      await factory().get(provider).tokens.get();
      const calls = server.to(TOKEN_PATHS[provider]);
      expect(calls.length).toBe(before + 1);
      const req = calls[calls.length - 1];
      const h = appHeaders(req);
      expect(req.method).toBe('POST');
      expect(Object.keys(h).sort()).toEqual(
        lower(['Content-Type', 'X-TIMESTAMP', 'X-CLIENT-KEY', 'X-SIGNATURE']),
      );
      expect(h['content-type']).toBe('application/json');
      expect(h['x-timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
      expect(h['x-client-key']).toBe(PARTNERS[provider].clientId);
      const signed = Buffer.from(`${PARTNERS[provider].clientId}|${h['x-timestamp']}`);
      const publicKey = createPublicKey(PARTNERS[provider].keys.publicKeyPem);
      expect(verify('sha256', signed, publicKey, Buffer.from(h['x-signature'], 'base64'))).toBe(
        true,
      );
      expect(req.body).toBe('{"grantType":"client_credentials","additionalInfo":{}}');
    });
  });
});
