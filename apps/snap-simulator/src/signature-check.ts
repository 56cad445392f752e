import { timingSafeEqual } from 'node:crypto';
import type { SignatureEncoding } from './providers';
import { minifyJson, symmetricSignature } from './signing';

/** The parts of a received transactional call that its X-SIGNATURE must cover. */
export interface SignedCall {
  clientSecret: string;
  /** The method the endpoint takes (POST; GET where a provider's page says so). */
  method: string;
  /** The path the provider signs. */
  signedPath: string;
  /** The path of the URL the request came to (differs for NICEPay). */
  urlPath: string;
  accessToken: string;
  /** The raw bytes received. */
  body: Buffer;
  timestamp: string;
  encoding: SignatureEncoding;
}

/**
 * The X-SIGNATURE a correct client sends: HMAC-SHA512 over
 * `POST:signedPath:token:sha256(minify(body)):X-TIMESTAMP`. A client that sends minified
 * bytes (serialize once, send those bytes) hashes exactly what it sent.
 */
export function expectedSignature(
  call: SignedCall,
  hashed: Buffer = minifyJson(call.body),
): string {
  return symmetricSignature(
    call.clientSecret,
    {
      method: call.method,
      path: call.signedPath,
      accessToken: call.accessToken,
      hashedBody: hashed,
      timestamp: call.timestamp,
    },
    call.encoding,
  );
}

/** Constant-time comparison of two signature texts. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * After a mismatch: tries the usual client mistakes and says which one reproduces the
 * presented signature (no secret, token or signature is put in the text).
 */
export function diagnoseSignature(call: SignedCall, presented: string): string {
  const other: SignatureEncoding = call.encoding === 'hex' ? 'base64' : 'hex';
  const minified = minifyJson(call.body);
  const bodies: { label: string; bytes: Buffer }[] = [
    { label: 'the minified body', bytes: minified },
  ];
  const add = (label: string, bytes: Buffer) => {
    if (!bodies.some((b) => b.bytes.equals(bytes))) bodies.push({ label, bytes });
  };
  add('the bytes as sent, white space included', call.body);
  try {
    const parsed: unknown = JSON.parse(call.body.toString('utf8'));
    add('a minified re-serialization of the body', Buffer.from(JSON.stringify(parsed)));
    add(
      'a pretty-printed re-serialization of the body',
      Buffer.from(JSON.stringify(parsed, null, 2)),
    );
  } catch {
    // not JSON: only the bytes received can have been signed
  }
  const paths = [call.signedPath, ...(call.urlPath !== call.signedPath ? [call.urlPath] : [])];
  const tokens = [
    { label: 'the bare token', value: call.accessToken },
    { label: '"Bearer " + token', value: `Bearer ${call.accessToken}` },
  ];
  // A history call may be GET or POST by configuration (PROTOCOL.md §3): a client set the other
  // way signs the other method.
  const methods = [call.method, call.method === 'GET' ? 'POST' : 'GET'];
  for (const method of methods)
    for (const encoding of [call.encoding, other]) {
      for (const path of paths) {
        for (const token of tokens) {
          for (const body of bodies) {
            const candidate = expectedSignature(
              { ...call, method, encoding, signedPath: path, accessToken: token.value },
              body.bytes,
            );
            if (!sameSignature(candidate, presented)) continue;
            const mistakes = [
              method !== call.method && `signed the method ${method}, expected ${call.method}`,
              encoding !== call.encoding && `encoded as ${encoding}, expected ${call.encoding}`,
              path !== call.signedPath &&
                `signed the URL path ${path}, expected ${call.signedPath}`,
              token.value !== call.accessToken &&
                `signed ${token.label}, expected ${tokens[0].label}`,
              body !== bodies[0] && `hashed ${body.label}, expected ${bodies[0].label}`,
            ].filter(Boolean);
            return mistakes.length ? mistakes.join('; ') : 'matches (no mistake found)';
          }
        }
      }
    }
  const encodingSeen = /^[0-9a-f]+$/.test(presented)
    ? 'hex'
    : /^[A-Za-z0-9+/]+={0,2}$/.test(presented)
      ? 'base64'
      : 'neither hex nor base64';
  return (
    `no common mistake reproduces it (presented ${presented.length} chars, looks ${encodingSeen}; ` +
    `expected ${call.encoding} over ${call.method}:${call.signedPath}:<token>:<sha256 of the minified body>:<X-TIMESTAMP>): ` +
    'check the client secret, the token, the timestamp and the method'
  );
}
