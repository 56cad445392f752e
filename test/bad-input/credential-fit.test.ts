import { generateKeyPairSync } from 'node:crypto';
import type { FactoryProvider } from '@nestjs/common';
import { CredentialRegistry, CredentialsConfigError, Secret } from '@app/snap';
import { snapClientsProvider } from '../../apps/worker/src/snap-clients.provider';
import { testConfig } from '../support/test-config';

/**
 * The worker refuses to start with a credential set whose header values are longer than its
 * provider's page allows (Finnet "X-CHANNEL-ID String (5)"), naming the set and the header,
 * before it opens any connection: the provider would refuse every call of that set (400xx01).
 */
describe('worker start-up: credential sets must fit the provider pages’ header sizes', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 512 });
  /** A registry of one set, its secret `<provider>-secret-not-to-print`. */
  const oneSet = (
    provider: 'finnet' | 'nicepay',
    name: string,
    clientId: string,
    channelId: string,
  ) =>
    new CredentialRegistry([
      {
        provider,
        name,
        baseUrl: 'http://127.0.0.1:1',
        clientId,
        partnerId: clientId,
        clientSecret: new Secret(`${provider}-secret-not-to-print`),
        privateKey,
        channelId,
      },
    ]);

  it('a Finnet set with a 6-character X-CHANNEL-ID stops start-up, naming it', async () => {
    const credentials = oneSet('finnet', 'FNT-LONG', 'FNT-LONG', '123456');
    const provider = snapClientsProvider(credentials) as FactoryProvider;
    // Nothing past the configuration is touched before the check: no Redis, no queues.
    const started = provider.useFactory(testConfig(), null, null, null, null, null, null);
    const error = await Promise.resolve(started).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsConfigError);
    expect((error as Error).message).toContain(
      `finnet/FNT-LONG: X-CHANNEL-ID "123456" is 6 characters, the provider's page allows 5`,
    );
    expect((error as Error).message).not.toContain('finnet-secret-not-to-print');
  });

  it('a NICEPay set with a channel id is warned about at start-up: NICEPay derives CHANNEL-ID from the client id', async () => {
    const credentials = oneSet('nicepay', 'default', 'IONPAYTEST', '95221');
    const warnings: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) };
    const provider = snapClientsProvider(credentials) as FactoryProvider;
    // The warning comes before any connection is touched; with none given, start-up then
    // fails on the missing Redis, which this test does not need.
    await Promise.resolve(
      provider.useFactory(testConfig(), logger, null, null, null, null, null, null),
    ).catch(() => undefined);
    expect(warnings).toEqual([
      [
        'nicepay/default: channel id "95221" is ignored: CHANNEL-ID is the client id + "01" ("IONPAYTEST01"), as the provider\'s page says',
      ],
    ]);
    expect(JSON.stringify(warnings)).not.toContain('nicepay-secret-not-to-print');
  });
});
