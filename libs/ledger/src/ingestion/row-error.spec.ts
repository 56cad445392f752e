import { rememberSecretValue } from '@app/snap';
import { validateLedgerBatch } from './ledger-batch.schema';
import { rowError, rowErrorOfFields } from './row-error';

/** A configured secret (an API key) pasted where a ledger value or key goes is never echoed. */
describe('ledger errors never echo a configured secret', () => {
  const KEY = 'ledger-echo-test-api-key-0123456789';
  beforeAll(() => rememberSecretValue(KEY));

  it('POST /ledger/entries: a key as a value, as an unknown field name, and inside a long value', () => {
    const result = validateLedgerBatch({
      entries: [
        {
          provider: 'netzme',
          accountNo: KEY,
          entryRef: `${'x'.repeat(190)}${KEY}`,
          amount: '1.00',
          postedAt: '2026-11-21T10:00:00+07:00',
          [KEY]: 'y',
        },
      ],
    });
    expect(result.ok).toBe(false);
    const text = JSON.stringify(!result.ok && result.errors);
    expect(text).toContain('[REDACTED]');
    // Redacted before the value is cut, so no part of the key shows either.
    expect(text).not.toContain(KEY.slice(0, 12));
  });

  it('a CSV row error: the key as a value and as a column name', () => {
    const error = rowError(3, KEY, KEY, 'bad');
    expect(JSON.stringify(error)).not.toContain(KEY.slice(0, 12));
    expect(error).toMatchObject({ field: '[REDACTED]', value: '[REDACTED]' });
    expect(error.message).toBe('line 3, [REDACTED] "[REDACTED]": bad');
  });

  it('a CSV row error: a key that a long value would cut in two is redacted whole (value, message, the others named in the reason)', () => {
    const long = `${'x'.repeat(190)}${KEY}`;
    const error = rowErrorOfFields(4, [
      { field: 'entry_ref', value: long, reason: 'too long' },
      { field: 'account_no', value: long, reason: 'too long' },
    ]);
    expect(JSON.stringify(error)).not.toContain(KEY.slice(0, 8));
    // The marker itself may be cut at the 200-character limit.
    expect(error.message).toContain('[REDACT');
  });
});
