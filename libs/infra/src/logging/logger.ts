import pino, { Logger } from 'pino';
import { redactSecretValues } from '@app/snap';
import type { AppConfig } from '@app/config';

/** Injection token of the app's pino logger. */
export const APP_LOGGER = Symbol('APP_LOGGER');

/** Field paths whose values are never written to a log line. */
export const REDACTED_PATHS = [
  '*.clientSecret',
  '*.privateKey',
  '*.accessToken',
  '*.password',
  '*.apiKey',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
];

/**
 * The structured JSON logger of every app (pino), named after the app. Secrets are redacted by
 * field path and, on every finished line, by value (client secrets, key material, access tokens,
 * API keys). A job's lines carry its run, account and provider through a `JobLogger`
 * made per job (no AsyncLocalStorage: its promise hooks taxed every promise of the process,
 * ~8 % of the workers' CPU in the bench). `destination` lets tests capture lines.
 */
export function createLogger(
  config: Pick<AppConfig, 'LOG_LEVEL'>,
  name: string,
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      name,
      level: config.LOG_LEVEL,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      hooks: { streamWrite: redactSecretValues },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

export type { Logger };
