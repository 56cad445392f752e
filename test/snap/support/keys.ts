import { generateKeyPairSync } from 'node:crypto';

export interface PemKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * A fresh RSA key pair: 512-bit PKCS#1 is what Netzme issues, 2048-bit PKCS#8 what NICEPay
 * and Finnet take. The public key is X.509 SubjectPublicKeyInfo PEM.
 */
export function rsaKeyPair(bits: 512 | 1024 | 2048, privateFormat: 'pkcs1' | 'pkcs8'): PemKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: privateFormat, format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** The base64 body of a PEM (the part that must never be printed). */
export function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');
}
