import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '@app/infra';
import '../auth/actor';

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * One access-log line per request (`pino-http` over the app's logger, so the same JSON and
 * the same redaction): method, path, route pattern, status, duration in ms, the caller's name
 * and role, and the request id (the client's `X-Request-Id` when it is a sane token, else a
 * new UUID; sent back in `X-Request-Id`). Only the path is logged, never the query string,
 * the headers or the body. Mounted first, so refusals by the middleware (401, 403, 415,
 * 429) are logged too. 5xx at error level, 4xx at warn, the rest at info.
 */
export function accessLog(logger: Logger) {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
    customProps: (req) => {
      const r = req as Request;
      if (!r.actor && !r.route) return {};
      return {
        ...(r.actor ? { actor: r.actor.name, role: r.actor.role } : {}),
        ...(r.route ? { route: String((r.route as { path: unknown }).path) } : {}),
      };
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    wrapSerializers: false,
  });
}
