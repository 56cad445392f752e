import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { ProviderName } from '@app/snap';

/** One partner identity's key pair (PEM) and client secret, made up for a demo or a test. */
export interface PartnerKeys {
  privateKeyPem: string;
  publicKeyPem: string;
  clientSecret: string;
}

/**
 * Fresh keys per provider, as each issues them: Netzme a 512-bit PKCS#1 key, NICEPay and
 * Finnet and Midtrans a 2048-bit PKCS#8 key. Never written anywhere but the demo's temp folder.
 */
export function generatePartnerKeys(): Record<ProviderName, PartnerKeys> {
  const make = (bits: number, type: 'pkcs1' | 'pkcs8'): PartnerKeys => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    return {
      privateKeyPem: privateKey.export({ type, format: 'pem' }) as string,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      clientSecret: randomBytes(24).toString('base64url'),
    };
  };
  return {
    netzme: make(512, 'pkcs1'),
    nicepay: make(2048, 'pkcs8'),
    finnet: make(2048, 'pkcs8'),
    midtrans: make(2048, 'pkcs8'),
  };
}
