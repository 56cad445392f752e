import { randomBytes } from 'node:crypto';
import { rememberSecretValue } from '@app/snap';
import { AccountResult, accountResult, errorResult } from './account-result';
import { withoutSecrets } from './result-redaction';

const base = { runId: '7', accountId: '42', attempts: 1 };

const matched: AccountResult = {
  runId: '7',
  accountId: '42',
  attempts: 1,
  status: 'matched',
  final: true,
  providerBalance: 100n,
  ledgerBalance: 100n,
  difference: 0n,
  inFlightAmount: null,
  currency: 'IDR',
  responseCode: '2001100',
  providerTime: new Date('2026-12-01T00:00:00Z'),
  asOf: new Date('2026-12-01T00:00:00Z'),
  externalId: 'x1',
  errorMessage: null,
};

describe('accountResult: one shape for every result', () => {
  it('gives a match, a break with its extras and an error result the same fields in the same order', () => {
    const shapes = [
      accountResult(matched),
      accountResult(
        Object.assign({}, matched, {
          status: 'mismatched',
          providerStatus: { accountStatus: 'ACTIVE' },
          attribution: { outcome: 'failed' },
          providerName: 'Toko',
          providerReference: 'r1',
        } satisfies Partial<AccountResult>),
      ),
      errorResult(base, 'boom'),
      Object.assign(errorResult(base), { status: 'inactive', responseCode: '4031100' }),
    ].map((r) => Object.keys(r));
    expect(shapes[0]).toHaveLength(19);
    for (const keys of shapes) expect(keys).toEqual(shapes[0]);
  });

  it('keeps every value, and sets the optional fields a result left out to null', () => {
    const r = accountResult(matched);
    expect(r).toEqual(
      Object.assign({}, matched, {
        providerStatus: null,
        providerName: null,
        providerReference: null,
        attribution: null,
      }),
    );
    expect(r.providerBalance).toBe(100n);
  });

  it('keeps the shape when secret values are redacted from a result', () => {
    const secret = `SECRET-${randomBytes(8).toString('hex')}`;
    rememberSecretValue(secret);
    const redacted = withoutSecrets(
      accountResult(Object.assign({}, matched, { errorMessage: `token ${secret}` })),
    );
    expect(redacted.errorMessage).not.toContain(secret);
    expect(Object.keys(redacted)).toEqual(Object.keys(accountResult(matched)));
  });
});
