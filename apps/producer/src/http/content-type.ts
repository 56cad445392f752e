import type { NextFunction, Request, Response } from 'express';
import { SAFE_METHODS } from './cross-site';
import { problem, sendProblem } from './problem';

/** The pages' forms (under `/ui/`) post url-encoded bodies; every other route takes JSON. */
export function isFormRoute(req: Request): boolean {
  return req.path.toLowerCase().startsWith('/ui/');
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Refuses, with 415, a body of an unsafe method that is not `application/json` (on the pages'
 * form routes: not `application/x-www-form-urlencoded`). A browser can send form and
 * `text/plain` bodies across sites without asking first; JSON it cannot, so this closes the
 * API to forged forms even where `Origin` is missing. A request without a body passes unless
 * it declares another type (an empty cross-site form post still declares a form).
 */
export function requireBodyType(req: Request, res: Response, next: NextFunction): void {
  if (SAFE_METHODS.has(req.method)) return next();
  const declared = req.headers['content-type'];
  const wanted = isFormRoute(req) ? 'application/x-www-form-urlencoded' : 'application/json';
  if (!hasBody(req)) {
    // No body to misread: passes when it declares no type or the right one (a client may
    // send `Content-Type: application/json` on a body-less PUT); a form type still does not.
    const type = declared?.split(';')[0].trim().toLowerCase();
    if (type === undefined || type === wanted) return next();
  } else if (req.is(wanted)) return next();
  sendProblem(
    req,
    res,
    problem(415, `the body must be ${wanted}`, [
      {
        field: 'Content-Type',
        value: declared === undefined ? null : String(declared).slice(0, 100),
        reason: `must be ${wanted}`,
      },
    ]),
  );
}
