import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@app/infra';
import { redactSecretValues } from '@app/snap';
import { loggableError } from './http/problem.filter';
import { problem, sendProblem } from './http/problem';

/** The error body-parser raises (an `http-errors` error with a `type`). */
interface BodyParserError extends Error {
  type: string;
  status?: number;
  /** `entity.parse.failed`: the text that is not JSON. */
  body?: unknown;
  /** `entity.too.large`: the declared or counted length, and the limit. */
  length?: number;
  limit?: number;
}

function isBodyParserError(e: unknown): e is BodyParserError {
  const type = (e as { type?: unknown } | null)?.type;
  return (
    e instanceof Error &&
    typeof type === 'string' &&
    /^(entity|request|encoding|charset)\./.test(type) &&
    Number((e as { status?: unknown }).status ?? 400) < 500
  );
}

/**
 * A compressed body that does not decompress (body-parser hands zlib's own error on, with a
 * status of 400 and no `type`): the client's mistake, not ours.
 */
function isDecompressionError(e: unknown, req: Request): e is Error {
  const { errno, code, status } = (e ?? {}) as {
    errno?: unknown;
    code?: unknown;
    status?: unknown;
  };
  return (
    e instanceof Error &&
    req.headers['content-encoding'] !== undefined &&
    typeof errno === 'number' &&
    typeof code === 'string' &&
    status === 400
  );
}

const MAX_ECHO = 100;

/**
 * Why a body the strict JSON parser refused is refused. Valid JSON that is no object or array
 * (`null`, `3`) says so: body-parser's own message then reads as if it were not JSON at all.
 */
function notObjectReason(body: string, parserMessage: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `is not a JSON object or array (${parserMessage})`;
  }
  const kind = parsed === null ? 'null' : typeof parsed;
  return `is JSON ${kind}, not a JSON object or array`;
}

/**
 * Express error middleware placed after the body parsers: a body they refuse is answered as a
 * problem document naming the field (`(body)`) and the value: `400` with the start of text
 * that is not JSON or a body nested too deep, `413` with the size of a body over the limit,
 * `415` for an unsupported encoding or charset, `400` naming `Content-Encoding` for a compressed
 * body that does not decompress. Anything else that reaches it is unexpected:
 * logged through pino (redacted, no SQL parameters) and answered 500.
 */
export function bodyParserErrors(logger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    if (isDecompressionError(err, req)) {
      const encoding = String(req.headers['content-encoding']);
      const reason = `the body does not decompress as ${encoding}`;
      return sendProblem(
        req,
        res,
        problem(400, 'invalid request body', [
          { field: 'Content-Encoding', value: encoding, reason },
        ]),
      );
    }
    if (!isBodyParserError(err)) {
      logger.error(
        { err: loggableError(err), method: req.method, path: req.path },
        'request failed',
      );
      return sendProblem(req, res, problem(500, 'an unexpected error; it is logged'));
    }
    const status = err.status ?? 400;
    let value: string;
    let reason: string;
    if (err.type === 'entity.parse.failed') {
      // Never a configured secret sent back (redacted before cutting).
      const text = typeof err.body === 'string' ? redactSecretValues(err.body) : '';
      value = text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text;
      reason = notObjectReason(typeof err.body === 'string' ? err.body : '', err.message);
    } else if (err.type === 'entity.too.large') {
      value = `${err.length ?? 'unknown'} bytes`;
      reason = `is larger than the limit of ${err.limit ?? 'unknown'} bytes`;
    } else if (err.type === 'entity.not.utf8') {
      value = (err as BodyParserError & { where: string }).where;
      reason = err.message;
    } else if (err.type === 'entity.too.deep') {
      value = `${err.length ?? 'unknown'} bytes`;
      reason = err.message;
    } else {
      value = err.type;
      reason = err.message;
    }
    const detail = status === 413 ? 'request body too large' : 'invalid request body';
    sendProblem(req, res, problem(status, detail, [{ field: '(body)', value, reason }]));
  };
}
