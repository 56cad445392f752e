import type { NextFunction, Request, Response } from 'express';
import { redactSecretValues } from '@app/snap';

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
    /^(entity|request|encoding|charset)\./.test(type)
  );
}

const MAX_ECHO = 100;

/**
 * Express error middleware placed right after the JSON body parser: a body it refuses is
 * answered in the API's error shape, naming the field (`(body)`) and the value: `400` with the
 * start of text that is not JSON (Nest's own mapping keeps only the parser's message), `413`
 * with the size of a body over the limit, `415` for an unsupported encoding or charset. Any
 * other error goes on to Nest.
 */
export function bodyParserErrors(
  err: unknown,
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (!isBodyParserError(err) || res.headersSent) return next(err);
  const status = err.status ?? 400;
  let value: string;
  let reason: string;
  if (err.type === 'entity.parse.failed') {
    // Never a configured secret sent back (redacted before cutting).
    const text = typeof err.body === 'string' ? redactSecretValues(err.body) : '';
    value = text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text;
    reason = `is not a JSON object or array (${err.message})`;
  } else if (err.type === 'entity.too.large') {
    value = `${err.length ?? 'unknown'} bytes`;
    reason = `is larger than the limit of ${err.limit ?? 'unknown'} bytes`;
  } else {
    value = err.type;
    reason = err.message;
  }
  const message = status === 413 ? 'request body too large' : 'invalid request body';
  res
    .status(status)
    .json({ statusCode: status, message, errors: [{ field: '(body)', value, reason }] });
}
