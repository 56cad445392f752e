import {
  balanceRequestBody,
  channelValue,
  DEFAULT_PROFILES,
  profileOverridesFromEnv,
  resolveProfile,
} from './profiles';
import { defineProvider } from './providers/index';

describe('profiles', () => {
  it('channel: NICEPay is the client id + "01", others the configured channel id', () => {
    expect(channelValue(DEFAULT_PROFILES.nicepay, 'IONPAYTEST', undefined)).toBe('IONPAYTEST01');
    expect(channelValue(DEFAULT_PROFILES.nicepay, 'IONPAYTEST', '95221')).toBe('IONPAYTEST01');
    expect(channelValue(DEFAULT_PROFILES.netzme, 'NZ', '95221')).toBe('95221');
    expect(() => channelValue(DEFAULT_PROFILES.finnet, 'F', undefined)).toThrow(
      'finnet: a channel id is required',
    );
  });

  it('channel: an operation of its own (channelIdByOperation) over the set’s, only where the profile names it', () => {
    const netzme = resolveProfile('netzme', {
      channelIdByOperation: { 'account-status': '95521' },
    });
    expect(channelValue(netzme, 'NZ', '95221', 'account-status')).toBe('95521');
    expect(channelValue(netzme, 'NZ', '95221', 'balance-inquiry')).toBe('95221');
    expect(channelValue(netzme, 'NZ', '95221')).toBe('95221');
    // Merged key by key with the built-in (empty) one; none by default.
    expect(DEFAULT_PROFILES.netzme.channelIdByOperation).toEqual({});
    // NICEPay's is derived from the client id: an operation's own would never be sent.
    expect(() =>
      resolveProfile('nicepay', { channelIdByOperation: { 'balance-inquiry': 'X' } }),
    ).toThrow('channelIdByOperation needs channel.rule "configured"');
    expect(() =>
      resolveProfile('netzme', {
        channelIdByOperation: { 'access-token': 'X' } as Record<string, string>,
      }),
    ).toThrow('access-token');
  });

  it('header names differ: Finnet uses X-PARTNERID and X-CHANNEL-ID', () => {
    expect(DEFAULT_PROFILES.finnet.headers).toEqual({
      partnerId: 'X-PARTNERID',
      externalId: 'X-EXTERNAL-ID',
      channel: 'X-CHANNEL-ID',
    });
    expect(DEFAULT_PROFILES.netzme.headers.partnerId).toBe('X-PARTNER-ID');
    expect(DEFAULT_PROFILES.nicepay.headers.channel).toBe('CHANNEL-ID');
  });

  it('Netzme token path is v1, not v1.0', () => {
    expect(DEFAULT_PROFILES.netzme.tokenPath).toBe('/api/v1/access-token/b2b');
  });

  it('path overrides apply, defaults stay untouched', () => {
    const p = resolveProfile('nicepay', {
      balancePath: '/nicepay/api/v1.0/transfer/balance-inquiry',
      balanceSignedPath: '/api/v1.0/transfer/balance-inquiry',
      tokenPath: undefined,
    });
    expect(p.balancePath).toBe('/nicepay/api/v1.0/transfer/balance-inquiry');
    expect(p.tokenPath).toBe(DEFAULT_PROFILES.nicepay.tokenPath);
    expect(DEFAULT_PROFILES.nicepay.balancePath).toBe('/nicepay/api/v1.0/balance-inquiry');
  });

  describe('a signed path follows its URL path unless the deployment sets it', () => {
    it('the URL path alone, from the environment: the signed path moves with it', () => {
      const finnet = resolveProfile(
        'finnet',
        profileOverridesFromEnv('finnet', { SNAP_FINNET_BALANCE_PATH: '/v1.0/balance-inquiry' }),
      );
      expect(finnet.balancePath).toBe('/v1.0/balance-inquiry');
      expect(finnet.balanceSignedPath).toBe('/v1.0/balance-inquiry');
      const netzme = resolveProfile(
        'netzme',
        profileOverridesFromEnv('netzme', {
          SNAP_NETZME_BALANCE_PATH: '/api/v2.0/payment/balance-inquiry',
          SNAP_NETZME_ACCOUNT_STATUS_PATH: '/api/v2.0/account/registration-account-inquiry',
        }),
      );
      expect(netzme.balanceSignedPath).toBe('/api/v2.0/payment/balance-inquiry');
      expect(netzme.accountStatusSignedPath).toBe('/api/v2.0/account/registration-account-inquiry');
    });

    it('the URL paths alone, in SNAP_<P>_PROFILE: the balance, account-status and history signed paths move with them', () => {
      const netzme = resolveProfile(
        'netzme',
        profileOverridesFromEnv('netzme', {
          SNAP_NETZME_PROFILE: JSON.stringify({
            balancePath: '/api/v2.0/payment/balance-inquiry',
            accountStatusPath: '/api/v2.0/account/registration-account-inquiry',
            history: { path: '/api/v2.0/transaction/history-list' },
          }),
        }),
      );
      expect(netzme.balanceSignedPath).toBe('/api/v2.0/payment/balance-inquiry');
      expect(netzme.accountStatusSignedPath).toBe('/api/v2.0/account/registration-account-inquiry');
      expect(netzme.history?.signedPath).toBe('/api/v2.0/transaction/history-list');
      const finnet = resolveProfile('finnet', { balancePath: '/v1.0/balance-inquiry' });
      expect(finnet.balanceSignedPath).toBe('/v1.0/balance-inquiry');
      // The built-in profiles are untouched.
      expect(DEFAULT_PROFILES.netzme.history?.signedPath).toBe(
        '/api/v1.0/transaction/history-list',
      );
      expect(DEFAULT_PROFILES.finnet.balanceSignedPath).toBe(
        '/topup/v1.0/balance-inquiry-merchant',
      );
    });

    it('a signed path the deployment sets is kept, whichever form sets either', () => {
      const both = resolveProfile(
        'finnet',
        profileOverridesFromEnv('finnet', {
          SNAP_FINNET_BALANCE_PATH: '/topup/v1.0/balance-inquiry-merchant',
          SNAP_FINNET_BALANCE_SIGNED_PATH: '/v1.0/balance-inquiry-merchant',
        }),
      );
      expect(both.balanceSignedPath).toBe('/v1.0/balance-inquiry-merchant');
      const mixed = resolveProfile(
        'netzme',
        profileOverridesFromEnv('netzme', {
          SNAP_NETZME_PROFILE: JSON.stringify({
            accountStatusSignedPath: '/signed/status',
            history: { path: '/h', signedPath: '/signed/h' },
          }),
          SNAP_NETZME_ACCOUNT_STATUS_PATH: '/api/v2.0/account/registration-account-inquiry',
        }),
      );
      expect(mixed.accountStatusSignedPath).toBe('/signed/status');
      expect(mixed.history?.signedPath).toBe('/signed/h');
      expect(resolveProfile('netzme', { balanceSignedPath: '/s' }).balancePath).toBe(
        DEFAULT_PROFILES.netzme.balancePath,
      );
    });

    it('NICEPay signs its URL path less the /nicepay context prefix, an overridden one too', () => {
      expect(DEFAULT_PROFILES.nicepay.balanceSignedPath).toBe('/api/v1.0/balance-inquiry');
      // PROTOCOL.md §3: one NICEPay page's example URL is /api/v1.0/transfer/balance-inquiry.
      const transfer = resolveProfile(
        'nicepay',
        profileOverridesFromEnv('nicepay', {
          SNAP_NICEPAY_BALANCE_PATH: '/nicepay/api/v1.0/transfer/balance-inquiry',
        }),
      );
      expect(transfer.balanceSignedPath).toBe('/api/v1.0/transfer/balance-inquiry');
      // A URL without the prefix (a deployment's own gateway) is signed as it is.
      expect(resolveProfile('nicepay', { balancePath: '/api/v2/balance' }).balanceSignedPath).toBe(
        '/api/v2/balance',
      );
      // No prefix: the whole URL path is signed.
      expect(resolveProfile('nicepay', { unsignedUrlPrefix: null }).balanceSignedPath).toBe(
        '/nicepay/api/v1.0/balance-inquiry',
      );
      expect(() => resolveProfile('nicepay', { unsignedUrlPrefix: '/nicepay/' })).toThrow(
        'unsignedUrlPrefix = "/nicepay/": must start with "/", hold no spaces and not end with "/"',
      );
    });
  });

  it('an authorizationScheme override applies to every call, the built-in per-operation exceptions (Netzme balance: bare token) included', () => {
    expect(resolveProfile('netzme').authorizationSchemeByOperation).toEqual({
      'balance-inquiry': 'none',
    });
    const bearer = resolveProfile('netzme', { authorizationScheme: 'Bearer' });
    expect(bearer.authorizationScheme).toBe('Bearer');
    expect(bearer.authorizationSchemeByOperation).toEqual({});
    // Both named: the deployment's per-operation entries are kept beside its scheme.
    expect(
      resolveProfile('netzme', {
        authorizationScheme: 'none',
        authorizationSchemeByOperation: { 'account-status': 'Bearer' },
      }).authorizationSchemeByOperation,
    ).toEqual({ 'balance-inquiry': 'none', 'account-status': 'Bearer' });
  });

  it('a path override without a leading slash is refused, naming it and its value', () => {
    expect(() => resolveProfile('finnet', { balanceSignedPath: 'v1.0/x' })).toThrow(
      'provider profile "finnet": balanceSignedPath = "v1.0/x": must start with "/"',
    );
  });

  it('every field can be overridden from the environment, and the result is validated', () => {
    const overrides = profileOverridesFromEnv('finnet', {
      SNAP_FINNET_PROFILE: JSON.stringify({
        headers: { partnerId: 'X-PARTNER-ID' },
        staticHeaders: { ORIGIN: 'www.example.com', Accept: 'application/json' },
        signatureEncoding: 'hex',
      }),
      SNAP_FINNET_BALANCE_TYPE: 'main',
      SNAP_FINNET_TOKEN_PATH: '/topup/v1.0/access-token/b2b',
    });
    const p = resolveProfile('finnet', overrides);
    expect(p.headers).toEqual({
      partnerId: 'X-PARTNER-ID',
      externalId: 'X-EXTERNAL-ID',
      channel: 'X-CHANNEL-ID',
    });
    expect(p.staticHeaders).toEqual({ ORIGIN: 'www.example.com', Accept: 'application/json' });
    expect(p.signatureEncoding).toBe('hex');
    expect(p.response.balanceType).toBe('main');
    expect(p.response.merchantNameField).toBe('name');
    expect(p.tokenPath).toBe('/topup/v1.0/access-token/b2b');
    expect(() =>
      resolveProfile(
        'finnet',
        profileOverridesFromEnv('finnet', { SNAP_FINNET_SIGNATURE_ENCODING: 'b64' }),
      ),
    ).toThrow('SNAP_FINNET_SIGNATURE_ENCODING = "b64": must be hex or base64');
    expect(() =>
      resolveProfile('finnet', profileOverridesFromEnv('finnet', { SNAP_FINNET_PROFILE: '{' })),
    ).toThrow('SNAP_FINNET_PROFILE is not JSON');
  });

  it('a bad SNAP_<P>_*_PATH is named as set, every one at once (it was named as the profile field; found by a review)', () => {
    expect(() =>
      profileOverridesFromEnv('finnet', {
        SNAP_FINNET_TOKEN_PATH: 'token',
        SNAP_FINNET_BALANCE_PATH: '/topup/v1.0/balance-inquiry-merchant',
        SNAP_FINNET_ACCOUNT_STATUS_PATH: '/a b',
      }),
    ).toThrow(
      'SNAP_FINNET_TOKEN_PATH = "token": must start with "/" and hold no spaces; SNAP_FINNET_ACCOUNT_STATUS_PATH = "/a b": must start with "/" and hold no spaces',
    );
  });

  it('an unregistered provider is refused, naming the registered ones', () => {
    expect(() => resolveProfile('doku')).toThrow(
      'not registered (known: netzme, nicepay, finnet, midtrans)',
    );
  });

  it('a bad static header is named without its value (a deployment may put a key there)', () => {
    const attempt = () =>
      resolveProfile('finnet', { staticHeaders: { 'Bad Header': 'VENDOR-KEY-0123456789' } });
    expect(attempt).toThrow('staticHeaders.Bad Header');
    expect(attempt).not.toThrow('VENDOR-KEY-0123456789');
  });

  it('defineProvider refuses a bad profile at start-up, naming every problem', () => {
    expect(() =>
      defineProvider({ ...DEFAULT_PROFILES.netzme, externalIdLength: 20, tokenPath: 'x' }),
    ).toThrow(/tokenPath = "x": must start with "\/".*externalIdLength = 20: /);
  });

  it('the balance request is the profile template with the account filled in', () => {
    expect(
      balanceRequestBody(DEFAULT_PROFILES.nicepay, { reference: 'R', accountNo: 'IONPAYTEST' }),
    ).toEqual({ accountNo: 'IONPAYTEST' });
    expect(
      balanceRequestBody(DEFAULT_PROFILES.nicepay, {
        reference: 'R',
        accountNo: 'IONPAYTEST',
        msId: 'S1',
      }),
    ).toEqual({ accountNo: 'IONPAYTEST', additionalInfo: { msId: 'S1' } });
    expect(
      balanceRequestBody(DEFAULT_PROFILES.netzme, { reference: '123', accountNo: 'C1' }),
    ).toEqual({ partnerReferenceNo: '123', accountNo: 'C1' });
    expect(balanceRequestBody(DEFAULT_PROFILES.finnet, { reference: '9', accountNo: 'F' })).toEqual(
      {
        partnerReferenceNo: '9',
      },
    );
    expect(
      balanceRequestBody(DEFAULT_PROFILES.midtrans, { reference: '9', accountNo: '0000000000' }),
    ).toEqual({
      accountNo: '0000000000',
    });
  });
});
