import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { pageCsp } from '../reports/ui/layout';
import { problemPage } from '../reports/ui/problem-page';

/** One bad field of a request: its name, the value received (cut, never a secret) and why. */
export interface FieldError {
  field: string;
  value: unknown;
  reason: string;
  [extra: string]: unknown;
}

/**
 * An RFC 9457 problem document, the one error shape of every route: `type` (here always
 * `about:blank`, so `title` is the HTTP status phrase), `status`, a human `detail`, and the
 * extension member `errors` listing each bad field.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  /** Extension members (RFC 9457 §3.2), e.g. a failed health check's `details`. */
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A problem document for `status`, with an optional detail and field list. */
export function problem(status: number, detail?: string, errors?: FieldError[]): Problem {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail !== undefined ? { detail } : {}),
    ...(errors?.length ? { errors } : {}),
  };
}

/** The pages (`/` and `/ui/...`) answer a browser with HTML; everything else is JSON. */
function wantsHtml(req: Request): boolean {
  // originalUrl: under a mounted middleware (`app.use('/ui', …)`) req.path is relative.
  const path = req.originalUrl.split('?')[0].toLowerCase();
  const isPage = path === '/' || path.startsWith('/ui/') || path === '/ui';
  return isPage && req.accepts([PROBLEM_CONTENT_TYPE, 'application/json', 'html']) === 'html';
}

/** Answers with `p`: `application/problem+json`, or the same content as HTML for a page. */
export function sendProblem(req: Request, res: Response, p: Problem): void {
  res.status(p.status);
  if (wantsHtml(req)) {
    res
      .type('html')
      .setHeader('Content-Security-Policy', pageCsp({ forms: false }))
      .send(problemPage(p));
    return;
  }
  res.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}
