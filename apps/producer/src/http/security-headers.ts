import helmet from 'helmet';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Security headers on every response (`helmet`): a Content-Security-Policy allowing only this
 * origin's scripts (the pages have none inline; their inline styles are allowed), no framing
 * (`frame-ancestors 'none'` and `X-Frame-Options: DENY`: the forms cannot be click-jacked),
 * `nosniff`, no referrer, and no `X-Powered-By`.
 */
export const securityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
});

/**
 * `Cache-Control: no-store` on every response: reports, CSV files, pages and errors carry
 * balances and differences, which no browser or proxy cache may keep. Also drops an
 * `X-Powered-By` set later, when the headers go out: Bull Board is its own express app, which
 * sets one again after helmet removed it.
 */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: unknown[]) {
    this.removeHeader('X-Powered-By');
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as typeof res.writeHead;
  next();
}
