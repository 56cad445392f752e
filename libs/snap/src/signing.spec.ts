import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { loadVectors, vectorsPath } from '../../../test/snap/support/shared-vectors';
import { DEFAULT_PROFILES } from './profiles';
import {
  hmacSignature,
  loadPrivateKey,
  loadPublicKey,
  minifyJson,
  sha256Hex,
  signTokenRequest,
  signTransactional,
  tokenStringToSign,
  transactionalStringToSign,
  verifyTokenRequest,
} from './signing';

const vectors = loadVectors();

describe('published SNAP vectors (shared/snap/vectors.json)', () => {
  it('are found beside the repository', () => {
    expect(vectorsPath()).toMatch(/shared[/\\]snap[/\\]vectors\.json$/);
    expect(vectors.bodyHash.length).toBeGreaterThanOrEqual(2);
    expect(vectors.symmetric.length).toBeGreaterThanOrEqual(1);
  });

  describe.each(vectors.bodyHash.map((v) => [v.source, v] as const))(
    'body hash: %s',
    (_source, v) => {
      it('SHA-256 of the minified body, lowercase hex', () => {
        expect(sha256Hex(v.minifiedBody)).toBe(v.sha256Hex);
        expect(sha256Hex(Buffer.from(v.minifiedBody))).toBe(v.sha256Hex);
      });

      it('the body is already minified', () => {
        expect(minifyJson(v.minifiedBody)).toBe(v.minifiedBody);
      });
    },
  );

  describe.each(vectors.symmetric.map((v) => [v.source, v] as const))(
    'symmetric signature: %s',
    (_source, v) => {
      const minified = minifyJson(v.rawBody);
      const input = {
        method: v.method,
        signedPath: v.endpointPath,
        accessToken: v.accessToken,
        body: minified,
        timestamp: v.timestamp,
      };

      it('minifying the raw body gives the published hash; hashing the raw (pretty) body does not', () => {
        expect(sha256Hex(minified)).toBe(v.minifiedBodySha256Hex);
        expect(sha256Hex(v.rawBody)).not.toBe(v.minifiedBodySha256Hex);
      });

      it('string to sign', () => {
        expect(transactionalStringToSign(input)).toBe(v.stringToSign);
        expect(transactionalStringToSign({ ...input, method: 'post' })).toBe(v.stringToSign);
      });

      it('base64 HMAC-SHA512 (NICEPay, Finnet)', () => {
        expect(signTransactional(v.clientSecret, input, 'base64')).toBe(v.signatureBase64);
        expect(hmacSignature(v.clientSecret, v.stringToSign, 'base64')).toBe(v.signatureBase64);
      });

      it('the same HMAC in lowercase hex, 128 chars (Netzme)', () => {
        const hex = signTransactional(v.clientSecret, input, 'hex');
        expect(hex).toBe(Buffer.from(v.signatureBase64, 'base64').toString('hex'));
        expect(hex).toMatch(/^[0-9a-f]{128}$/);
      });

      it('at profile level: each provider signs in its own encoding', () => {
        const sign = (provider: keyof typeof DEFAULT_PROFILES) =>
          signTransactional(v.clientSecret, input, DEFAULT_PROFILES[provider].signatureEncoding);
        expect(sign('netzme')).toBe(Buffer.from(v.signatureBase64, 'base64').toString('hex'));
        expect(sign('nicepay')).toBe(v.signatureBase64);
        expect(sign('finnet')).toBe(v.signatureBase64);
      });

      it('a "Bearer " prefix inside the string to sign changes the signature', () => {
        const wrong = signTransactional(
          v.clientSecret,
          { ...input, accessToken: `Bearer ${v.accessToken}` },
          'base64',
        );
        expect(wrong).not.toBe(v.signatureBase64);
      });
    },
  );
});

describe('profile quirks', () => {
  it('NICEPay signs the path without the /nicepay prefix its URL carries', () => {
    const p = DEFAULT_PROFILES.nicepay;
    expect(p.balancePath).toBe('/nicepay/api/v1.0/balance-inquiry');
    expect(p.balanceSignedPath).toBe('/api/v1.0/balance-inquiry');
    expect(p.tokenPath.startsWith('/nicepay/')).toBe(true);
  });

  it('Netzme and Finnet sign the URL path itself', () => {
    expect(DEFAULT_PROFILES.netzme.balanceSignedPath).toBe(DEFAULT_PROFILES.netzme.balancePath);
    expect(DEFAULT_PROFILES.netzme.accountStatusSignedPath).toBe(
      DEFAULT_PROFILES.netzme.accountStatusPath,
    );
    expect(DEFAULT_PROFILES.finnet.balanceSignedPath).toBe(DEFAULT_PROFILES.finnet.balancePath);
  });

  it('Netzme is hex, NICEPay and Finnet base64', () => {
    expect(DEFAULT_PROFILES.netzme.signatureEncoding).toBe('hex');
    expect(DEFAULT_PROFILES.nicepay.signatureEncoding).toBe('base64');
    expect(DEFAULT_PROFILES.finnet.signatureEncoding).toBe('base64');
  });

  it('signing the NICEPay URL path instead of its signed path gives another signature', () => {
    const v = vectors.symmetric[0];
    const p = DEFAULT_PROFILES.nicepay;
    const base = {
      method: 'POST',
      accessToken: v.accessToken,
      body: '{}',
      timestamp: '2024-03-05T17:37:16+07:00',
    };
    expect(
      signTransactional(v.clientSecret, { ...base, signedPath: p.balanceSignedPath }, 'base64'),
    ).not.toBe(signTransactional(v.clientSecret, { ...base, signedPath: p.balancePath }, 'base64'));
  });
});

describe('B2B token signature (RSA-SHA256 over clientId|timestamp)', () => {
  const timestamp = '2026-11-21T17:05:09+07:00';

  it('string to sign', () => {
    expect(tokenStringToSign('IONPAYTEST', timestamp)).toBe('IONPAYTEST|2026-11-21T17:05:09+07:00');
  });

  it.each([
    [512, 'pkcs1', 'BEGIN RSA PRIVATE KEY', 88],
    [2048, 'pkcs8', 'BEGIN PRIVATE KEY', 344],
  ] as const)(
    '%i-bit %s key signs, and the signature verifies',
    (bits, type, header, base64Length) => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', {
        modulusLength: bits,
        privateKeyEncoding: { type, format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      expect(privateKey).toContain(header);
      const key = loadPrivateKey(privateKey);
      const signature = signTokenRequest('CLIENT-1', timestamp, key);
      expect(signature).toHaveLength(base64Length);
      expect(Buffer.from(signature, 'base64').length).toBe(bits / 8);
      // PKCS#1 v1.5 is deterministic.
      expect(signTokenRequest('CLIENT-1', timestamp, key)).toBe(signature);
      const pub = loadPublicKey(publicKey);
      expect(verifyTokenRequest('CLIENT-1', timestamp, signature, pub)).toBe(true);
      // The public key may also come as PKCS#1.
      const pkcs1Pub = createPublicKey(publicKey)
        .export({ type: 'pkcs1', format: 'pem' })
        .toString();
      expect(verifyTokenRequest('CLIENT-1', timestamp, signature, loadPublicKey(pkcs1Pub))).toBe(
        true,
      );
      expect(verifyTokenRequest('CLIENT-2', timestamp, signature, pub)).toBe(false);
      expect(verifyTokenRequest('CLIENT-1', '2026-11-21T17:05:10+07:00', signature, pub)).toBe(
        false,
      );
      expect(verifyTokenRequest('CLIENT-1', timestamp, 'not base64 at all!', pub)).toBe(false);
    },
  );

  it('a signature by another key does not verify', () => {
    const a = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const b = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const signature = signTokenRequest('C', timestamp, a.privateKey);
    expect(verifyTokenRequest('C', timestamp, signature, b.publicKey)).toBe(false);
  });

  it('rejects an EC key, naming the label', () => {
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(() => loadPrivateKey(privateKey, 'SNAP_NETZME_PRIVATE_KEY')).toThrow(
      'SNAP_NETZME_PRIVATE_KEY: key type is ec, RSA expected',
    );
  });

  it('rejects text that is not a PEM key without echoing it', () => {
    const garbage =
      '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----';
    let message = '';
    try {
      loadPrivateKey(garbage, 'KEY');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('KEY: not a readable PEM private key (PKCS#1 or PKCS#8 expected)');
    expect(() => loadPublicKey('nope', 'PUB')).toThrow('PUB: not a readable PEM public key');
  });
});
