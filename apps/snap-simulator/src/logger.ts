import pino, { Logger } from 'pino';

/**
 * The simulator's JSON logger. Log objects carry provider, client id, account, external id,
 * codes and reasons only: never a secret, token, signature or key. As a second line of
 * defence, fields with those names are redacted.
 */
export function createSimulatorLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: 'snap-simulator',
    level,
    redact: {
      paths: SENSITIVE_FIELDS,
      censor: '[REDACTED]',
    },
  });
}

/** Field names never to print, wherever they appear at the top level or one level down. */
export const SENSITIVE_FIELDS = [
  'clientSecret',
  'accessToken',
  'signature',
  'authorization',
  'privateKey',
  'publicKeyPem',
  '*.clientSecret',
  '*.accessToken',
  '*.signature',
  '*.authorization',
  '*.privateKey',
  '*.publicKeyPem',
];
