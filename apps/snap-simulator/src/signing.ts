import { createHash, createHmac, createPublicKey, KeyObject, verify } from 'node:crypto';
import type { SignatureEncoding } from './providers';

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * SNAP's `minify(RequestBody)`: the JSON text without the white space between tokens; the
 * bytes inside strings are kept exactly. Netzme's published request (vectors.json
 * `symmetricHex`) sends a pretty-printed body and signs the SHA-256 of this minified form.
 */
export function minifyJson(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  let inString = false;
  let escaped = false;
  for (const b of bytes) {
    if (inString) {
      if (escaped) escaped = false;
      else if (b === BACKSLASH) escaped = true;
      else if (b === QUOTE) inString = false;
    } else if (b === SPACE || b === TAB || b === LF || b === CR) {
      continue;
    } else if (b === QUOTE) {
      inString = true;
    }
    out[n++] = b;
  }
  return n === bytes.length ? bytes : out.subarray(0, n);
}

/** `lowercase(hex(SHA-256(bytes)))`. */
export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The parts of the symmetric string to sign. */
export interface SymmetricParts {
  method: string;
  path: string;
  /** The token without `Bearer `. */
  accessToken: string;
  /** The bytes whose digest is signed (the caller decides: minified or as sent). */
  hashedBody: Buffer;
  timestamp: string;
}

/** `METHOD:path:token:sha256hex(body):timestamp`, as PROTOCOL.md §2 and the pages write it. */
export function symmetricStringToSign(p: SymmetricParts): string {
  return `${p.method}:${p.path}:${p.accessToken}:${sha256Hex(p.hashedBody)}:${p.timestamp}`;
}

/** `encode(HMAC-SHA512(key = clientSecret, stringToSign))`. */
export function symmetricSignature(
  clientSecret: string,
  parts: SymmetricParts,
  encoding: SignatureEncoding,
): string {
  return createHmac('sha512', clientSecret).update(symmetricStringToSign(parts)).digest(encoding);
}

/** Verifies the access-token X-SIGNATURE: base64 RSA-SHA256 over `clientId|X-TIMESTAMP`. */
export function verifyTokenSignature(
  clientId: string,
  timestamp: string,
  signatureBase64: string,
  publicKey: KeyObject,
): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureBase64)) return false;
  try {
    return verify(
      'sha256',
      Buffer.from(`${clientId}|${timestamp}`),
      publicKey,
      Buffer.from(signatureBase64, 'base64'),
    );
  } catch {
    return false;
  }
}

/** A partner's RSA public key from PEM (X.509 SubjectPublicKeyInfo or PKCS#1). */
export function readPublicKey(pem: string, label: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error(`${label}: not a readable PEM public key`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`${label}: key type is ${key.asymmetricKeyType}, RSA expected`);
  }
  return key;
}
