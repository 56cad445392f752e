import { createServer } from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { AppConfig } from '@app/config';
import { answerClientError } from './client-error';

/** How often Node checks open requests against their timeouts (its default is 30 s). */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * Nest's express adapter with the server made the way the producer needs it: a client must
 * send its headers within HTTP_HEADERS_TIMEOUT_MS and its whole request within
 * HTTP_REQUEST_TIMEOUT_MS (Node's default let a slow body hold a socket for 300 s), checked
 * every second (Node checks every 30 s unless told at creation, which Nest's adapter is not).
 * A request Node's parser refuses is answered with a problem document (`client-error.ts`).
 * Plain HTTP only: TLS ends in front of the producer.
 */
export class TimedExpressAdapter extends ExpressAdapter {
  constructor(private readonly config: AppConfig) {
    super();
  }

  override initHttpServer(_options: NestApplicationOptions): void {
    this.httpServer = createServer(
      {
        requestTimeout: this.config.HTTP_REQUEST_TIMEOUT_MS,
        headersTimeout: Math.min(
          this.config.HTTP_HEADERS_TIMEOUT_MS,
          this.config.HTTP_REQUEST_TIMEOUT_MS,
        ),
        connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      },
      this.getInstance(),
    );
    this.httpServer.on('clientError', answerClientError);
  }
}
