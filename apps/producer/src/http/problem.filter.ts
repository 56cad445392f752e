import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { APP_LOGGER, Logger } from '@app/infra';
import { redactSecretValues } from '@app/snap';
import { FieldError, Problem, problem, sendProblem } from './problem';

/**
 * What of an error goes into a log line: its class, message, code and stack, nothing else. A
 * TypeORM `QueryFailedError` carries the SQL and its parameters (which may be anything a
 * client sent); pino's error serializer would copy them, so they are left out here.
 */
export function loggableError(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e) };
  return {
    name: e.name,
    message: e.message,
    code: (e as { code?: unknown }).code,
    stack: e.stack,
  };
}

/** Postgres SQLSTATE class 22 (data exception): a value the database refused, the caller's fault. */
function isDataException(e: unknown): e is QueryFailedError & { code: string } {
  const code = (e as { code?: unknown }).code;
  return e instanceof QueryFailedError && typeof code === 'string' && code.startsWith('22');
}

/** The problem document of an exception. */
export function problemOf(e: unknown): Problem {
  if (e instanceof HttpException) {
    const status = e.getStatus();
    const body = e.getResponse();
    if (typeof body === 'string') return problem(status, body);
    const { message, errors, statusCode: _code, ...rest } = body as Record<string, unknown>;
    const detail = Array.isArray(message)
      ? message.join('; ')
      : typeof message === 'string'
        ? message
        : undefined;
    // Other members of the body (a health check's `info`, `error`, `details`) stay, as
    // extension members; Nest's own `error` phrase and anything named like a problem member go.
    const extensions = Object.fromEntries(
      Object.entries(rest).filter(
        ([key, value]) =>
          !['type', 'title', 'status', 'detail', 'instance'].includes(key) &&
          !(key === 'error' && typeof value === 'string'),
      ),
    );
    return { ...problem(status, detail, errors as FieldError[] | undefined), ...extensions };
  }
  if (isDataException(e))
    return problem(400, `a value was refused by the database: ${redactSecretValues(e.message)}`);
  return problem(500, 'an unexpected error; it is logged');
}

/**
 * The one error answer of every Nest route: an RFC 9457 problem document (HTML on the pages).
 * Unexpected errors (5xx) are logged through the app's pino logger (JSON, secrets redacted,
 * no SQL parameters), never through Nest's console logger.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(APP_LOGGER) private readonly logger: Logger) {}

  catch(e: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const answer = problemOf(e);
    if (answer.status >= 500 || isDataException(e))
      this.logger.error(
        { err: loggableError(e), method: req.method, path: req.path, actor: req.actor?.name },
        'request failed',
      );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(req, res, answer);
  }
}
