import { randomBytes } from 'node:crypto';
import { rememberSecretValue } from '@app/snap';
import { errorResult } from './account-result';
import { withoutSecrets } from './result-redaction';

describe('withoutSecrets', () => {
  const secret = `SECRET-${randomBytes(8).toString('hex')}`;
  rememberSecretValue(secret);
  const base = errorResult({ runId: '1', accountId: '2', attempts: 1 });

  it('redacts the error, name, status values and every string of the attribution', () => {
    const r = withoutSecrets({
      ...base,
      errorMessage: `the provider reported name "${secret}"`,
      providerName: secret,
      providerStatus: { userStatus: secret, status: 'approved_v2' },
      attribution: { outcome: 'explained', events: [{ providerRef: `x${secret}`, amount: 5n }] },
    });
    expect(
      JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)),
    ).not.toContain(secret);
    expect(r.providerName).toBe('[REDACTED]');
    expect(r.providerStatus).toEqual({ userStatus: '[REDACTED]', status: 'approved_v2' });
    expect(r.attribution).toEqual({
      outcome: 'explained',
      events: [{ providerRef: 'x[REDACTED]', amount: 5n }],
    });
  });

  it('returns the same object when there is nothing to redact', () => {
    const clean = { ...base, providerName: 'Toko Satu', attribution: { events: [{ ref: 'a' }] } };
    expect(withoutSecrets(clean)).toBe(clean);
  });
});
