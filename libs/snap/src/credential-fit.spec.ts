import { generateKeyPairSync } from 'node:crypto';
import { credentialFitProblems, ignoredChannelId } from './credential-fit';
import type { SnapCredentials } from './credentials';
import { resolveProfile } from './profiles';
import type { ProviderName } from './providers/index';
import { Secret } from './secret';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 512 });

const set = (
  provider: ProviderName,
  clientId: string,
  channelId?: string,
  partnerId = clientId,
): SnapCredentials => ({
  provider,
  name: 'default',
  baseUrl: 'http://127.0.0.1:1',
  clientId,
  partnerId,
  clientSecret: new Secret('the-client-secret'),
  privateKey,
  channelId,
});

describe('credentialFitProblems: header values within the provider page’s sizes', () => {
  it('the pages’ own examples fit (IONPAYTEST → IONPAYTEST01; Finnet String (36) / (5))', () => {
    expect(credentialFitProblems(resolveProfile('nicepay'), set('nicepay', 'IONPAYTEST'))).toEqual(
      [],
    );
    expect(
      credentialFitProblems(resolveProfile('finnet'), set('finnet', 'FNT00001', '95221')),
    ).toEqual([]);
    // Netzme's pages give no sizes.
    expect(
      credentialFitProblems(
        resolveProfile('netzme'),
        set('netzme', 'N'.repeat(80), '9'.repeat(40)),
      ),
    ).toEqual([]);
  });

  it('NICEPay: a 19-character client id makes a 21-character CHANNEL-ID ("CHANNEL-ID | String | 20")', () => {
    const id = 'A'.repeat(19);
    expect(credentialFitProblems(resolveProfile('nicepay'), set('nicepay', id))).toEqual([
      `nicepay/default: CHANNEL-ID "${id}01" is 21 characters, the provider's page allows 20 (it is the client id + "01")`,
    ]);
  });

  it('NICEPay: X-PARTNER-ID over 20; Finnet: X-PARTNERID over 36 and X-CHANNEL-ID over 5, each named', () => {
    // A deployment's profile that lets the partner id differ, to see the length alone.
    expect(
      credentialFitProblems(
        resolveProfile('nicepay', { partnerIdIsClientId: false }),
        set('nicepay', 'IONPAYTEST', undefined, 'P'.repeat(21)),
      ),
    ).toEqual([
      `nicepay/default: X-PARTNER-ID "${'P'.repeat(21)}" is 21 characters, the provider's page allows 20`,
    ]);
    const problems = credentialFitProblems(
      resolveProfile('finnet'),
      set('finnet', 'F'.repeat(37), '123456'),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('X-PARTNERID');
    expect(problems[0]).toContain('allows 36');
    expect(problems[1]).toBe(
      `finnet/default: X-CHANNEL-ID "123456" is 6 characters, the provider's page allows 5`,
    );
    expect(problems.join(' ')).not.toContain('the-client-secret');
  });

  it.each([
    ['netzme', 'X-PARTNER-ID'],
    ['nicepay', 'X-PARTNER-ID'],
    ['finnet', 'X-PARTNERID'],
  ] as const)(
    '%s: a partner id other than the client id is refused (the page: the partner id is the client id)',
    (provider, header) => {
      expect(
        credentialFitProblems(
          resolveProfile(provider),
          set(provider, 'CLIENT01', '95221', 'PARTNER01'),
        ),
      ).toEqual([
        `${provider}/default: ${header} "PARTNER01" is not the client id, and the provider's page says the partner id is the client id; leave the set's partner id unset (it defaults to the client id), or, where the provider confirms another, set SNAP_${provider.toUpperCase()}_PROFILE='{"partnerIdIsClientId":false}'`,
      ]);
    },
  );

  it('midtrans (its partner id is its own) may have a partner id other than the client id', () => {
    expect(
      credentialFitProblems(
        resolveProfile('midtrans'),
        set('midtrans', 'CLIENT01', '95221', 'PARTNER01'),
      ),
    ).toEqual([]);
  });

  it('a deployment can change a limit (SNAP_FINNET_PROFILE headerMaxLength), the rest kept', () => {
    const profile = resolveProfile('finnet', { headerMaxLength: { channel: 20 } });
    expect(profile.headerMaxLength).toEqual({ partnerId: 36, channel: 20 });
    expect(credentialFitProblems(profile, set('finnet', 'FNT00001', '123456'))).toEqual([]);
  });
});

describe('ignoredChannelId: a configured channel id the provider never receives', () => {
  it('NICEPay derives CHANNEL-ID from the client id ("IONPAYTEST" + "01"): a set channel id is named as ignored', () => {
    expect(ignoredChannelId(resolveProfile('nicepay'), set('nicepay', 'IONPAYTEST', '95221'))).toBe(
      'nicepay/default: channel id "95221" is ignored: CHANNEL-ID is the client id + "01" ("IONPAYTEST01"), as the provider\'s page says',
    );
  });

  it('nothing to say without one, or where the channel id is the configured value (Netzme, Finnet)', () => {
    expect(ignoredChannelId(resolveProfile('nicepay'), set('nicepay', 'IONPAYTEST'))).toBeNull();
    expect(ignoredChannelId(resolveProfile('netzme'), set('netzme', 'NZ', '95221'))).toBeNull();
    expect(
      ignoredChannelId(resolveProfile('finnet'), set('finnet', 'FNT00001', '95221')),
    ).toBeNull();
  });
});

describe('credentialFitProblems: an operation’s own channel id fits too', () => {
  it('Finnet "X-CHANNEL-ID String (5)": a 6-character channelIdByOperation is named', () => {
    const profile = resolveProfile('finnet', {
      channelIdByOperation: { 'balance-inquiry': '123456' },
    });
    expect(credentialFitProblems(profile, set('finnet', 'FNT00001', '95221'))).toEqual([
      'finnet/default: X-CHANNEL-ID "123456" is 6 characters, the provider\'s page allows 5 (channelIdByOperation.balance-inquiry)',
    ]);
  });
});

describe('credentialFitProblems: a channel id the page makes Mandatory, missing (found by a review)', () => {
  it('Finnet "X-CHANNEL-ID String (5) M" and Netzme\'s CHANNEL-ID: a set without one is named with the setting that gives it', () => {
    expect(credentialFitProblems(resolveProfile('finnet'), set('finnet', 'FNT00001'))).toEqual([
      "finnet/default: no channel id for balance-inquiry: the provider's X-CHANNEL-ID header needs one; set SNAP_FINNET_CHANNEL_ID",
    ]);
    const fileSet = { ...set('netzme', 'NZ'), name: 'merchant-7' };
    expect(credentialFitProblems(resolveProfile('netzme'), fileSet)).toEqual([
      'netzme/merchant-7: no channel id for balance-inquiry, account-status, transaction-history: the provider\'s CHANNEL-ID header needs one; set the set\'s "channelId" in SNAP_CREDENTIALS_FILE',
    ]);
  });

  it("none needed where every call has its operation's own (channelIdByOperation) or the id is derived (NICEPay)", () => {
    const own = resolveProfile('netzme', {
      channelIdByOperation: {
        'balance-inquiry': '95221',
        'account-status': '95521',
        'transaction-history': '95221',
      },
    });
    expect(credentialFitProblems(own, set('netzme', 'NZ'))).toEqual([]);
    const partly = resolveProfile('netzme', {
      channelIdByOperation: { 'account-status': '95521' },
    });
    expect(credentialFitProblems(partly, set('netzme', 'NZ'))).toEqual([
      "netzme/default: no channel id for balance-inquiry, transaction-history: the provider's CHANNEL-ID header needs one; set SNAP_NETZME_CHANNEL_ID",
    ]);
    expect(credentialFitProblems(resolveProfile('nicepay'), set('nicepay', 'IONPAYTEST'))).toEqual(
      [],
    );
  });
});
