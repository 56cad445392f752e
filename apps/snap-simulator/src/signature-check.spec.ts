import { diagnoseSignature, expectedSignature, SignedCall } from './signature-check';

describe('diagnoseSignature', () => {
  const body = { partnerReferenceNo: '1', accountNo: 'A' };
  const call: SignedCall = {
    clientSecret: 'the-client-secret',
    method: 'POST',
    signedPath: '/api/v1.0/balance-inquiry',
    urlPath: '/nicepay/api/v1.0/balance-inquiry',
    accessToken: 'tok123456',
    body: Buffer.from(JSON.stringify(body, null, 2)),
    timestamp: '2026-01-01T07:00:00+07:00',
    encoding: 'base64',
  };

  it('a correct signature is recognised', () => {
    expect(diagnoseSignature(call, expectedSignature(call))).toBe('matches (no mistake found)');
  });

  it('names several mistakes at once', () => {
    const wrong = expectedSignature(
      { ...call, encoding: 'hex', signedPath: call.urlPath },
      call.body, // the pretty bytes as sent, not minified
    );
    const hint = diagnoseSignature(call, wrong);
    expect(hint).toContain('encoded as hex, expected base64');
    expect(hint).toContain('signed the URL path /nicepay/api/v1.0/balance-inquiry');
    expect(hint).toContain('hashed the bytes as sent, white space included');
  });

  it('the pretty body sent is signed as its minified form', () => {
    const minified = expectedSignature(call, Buffer.from(JSON.stringify(body)));
    expect(expectedSignature(call)).toBe(minified);
  });

  it('never repeats the secret, the token or the signature', () => {
    const presented = 'Zm9vYmFy';
    const hint = diagnoseSignature(call, presented);
    expect(hint).toContain('no common mistake reproduces it');
    expect(hint).toContain('looks base64');
    for (const text of [call.clientSecret, call.accessToken, presented])
      expect(hint).not.toContain(text);
  });

  it('names a method other than the endpoint’s (history: GET or POST by configuration)', () => {
    const get = { ...call, method: 'GET' };
    expect(diagnoseSignature(get, expectedSignature(call))).toBe(
      'signed the method POST, expected GET',
    );
  });
});
