import type { INestApplication } from '@nestjs/common';
import pino from 'pino';
import { AppConfig, DEV_BASIC_AUTH_PASSWORD } from '@app/config';
import { createProducerApp } from '../../apps/producer/src/producer-app';

/** The producer's HTTP app exactly as `main.ts` builds it, listening on a free local port. */
export async function startProducerHttp(
  config: AppConfig,
): Promise<{ app: INestApplication; url: string }> {
  const app = await createProducerApp(config, pino({ level: 'silent' }));
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** Basic-auth header of the development/test credentials (admin / snap-recon-dev). */
export const BASIC_AUTH = {
  authorization: `Basic ${Buffer.from(`admin:${DEV_BASIC_AUTH_PASSWORD}`).toString('base64')}`,
};
