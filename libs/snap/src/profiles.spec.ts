import { channelValue, DEFAULT_PROFILES, resolveProfile } from './profiles';

describe('profiles', () => {
  it('channel: NICEPay is the client id + "01", others the configured channel id', () => {
    expect(channelValue(DEFAULT_PROFILES.nicepay, 'IONPAYTEST', undefined)).toBe('IONPAYTEST01');
    expect(channelValue(DEFAULT_PROFILES.nicepay, 'IONPAYTEST', '95221')).toBe('IONPAYTEST01');
    expect(channelValue(DEFAULT_PROFILES.netzme, 'NZ', '95221')).toBe('95221');
    expect(() => channelValue(DEFAULT_PROFILES.finnet, 'F', undefined)).toThrow(
      'finnet: a channel id is required',
    );
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

  it('a path override without a leading slash is refused, naming it', () => {
    expect(() => resolveProfile('finnet', { balanceSignedPath: 'v1.0/x' })).toThrow(
      'finnet profile: balanceSignedPath must start with "/", got "v1.0/x"',
    );
  });
});
