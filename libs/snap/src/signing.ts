import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  KeyObject,
} from 'node:crypto';

/** How a provider wants the transactional HMAC encoded. */
export type SignatureEncoding = 'hex' | 'base64';

/**
 * Loads an RSA private key from PEM, PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8
 * (`BEGIN PRIVATE KEY`). Throws an error that never contains the key text.
 */
export function loadPrivateKey(pem: string, label = 'private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error(`${label}: not a readable PEM private key (PKCS#1 or PKCS#8 expected)`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`${label}: key type is ${key.asymmetricKeyType}, RSA expected`);
  }
  return key;
}

/** Loads an RSA public key from PEM (X.509 SubjectPublicKeyInfo or PKCS#1). */
export function loadPublicKey(pem: string, label = 'public key'): KeyObject {
  try {
    return createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error(`${label}: not a readable PEM public key`);
  }
}

/** The string the B2B token signature covers: `clientId|timestamp`. */
export function tokenStringToSign(clientId: string, timestamp: string): string {
  return `${clientId}|${timestamp}`;
}

/** Base64 RSA-SHA256 signature for the B2B access-token request. */
export function signTokenRequest(
  clientId: string,
  timestamp: string,
  privateKey: KeyObject,
): string {
  return sign('sha256', Buffer.from(tokenStringToSign(clientId, timestamp)), privateKey).toString(
    'base64',
  );
}

/** Verifies a B2B access-token signature against the partner's public key. */
export function verifyTokenRequest(
  clientId: string,
  timestamp: string,
  signatureBase64: string,
  publicKey: KeyObject,
): boolean {
  try {
    return verify(
      'sha256',
      Buffer.from(tokenStringToSign(clientId, timestamp)),
      publicKey,
      Buffer.from(signatureBase64, 'base64'),
    );
  } catch {
    return false;
  }
}

/** Minifies a JSON text (drops insignificant white space); the result is what must be sent. */
export function minifyJson(json: string): string {
  return JSON.stringify(JSON.parse(json));
}

/** Lowercase hex SHA-256 of the exact body bytes. */
export function sha256Hex(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The fields of a transactional (symmetric) signature. */
export interface TransactionalSignatureInput {
  method: string;
  /** The path the provider signs: no scheme, no host, and for NICEPay no `/nicepay` prefix. */
  signedPath: string;
  /** The bare token, without `Bearer `. */
  accessToken: string;
  /** The exact bytes sent as the request body. */
  body: string | Buffer;
  timestamp: string;
}

/** `METHOD:path:token:sha256hex(body):timestamp`. */
export function transactionalStringToSign(input: TransactionalSignatureInput): string {
  return [
    input.method.toUpperCase(),
    input.signedPath,
    input.accessToken,
    sha256Hex(input.body),
    input.timestamp,
  ].join(':');
}

/** HMAC-SHA512 over the string to sign, keyed by the client secret, in the provider's encoding. */
export function hmacSignature(
  clientSecret: string,
  stringToSign: string,
  encoding: SignatureEncoding,
): string {
  return createHmac('sha512', clientSecret).update(stringToSign).digest(encoding);
}

/** The transactional `X-SIGNATURE` for a request. */
export function signTransactional(
  clientSecret: string,
  input: TransactionalSignatureInput,
  encoding: SignatureEncoding,
): string {
  return hmacSignature(clientSecret, transactionalStringToSign(input), encoding);
}
