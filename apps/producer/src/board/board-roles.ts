import type { NextFunction, Request, Response } from 'express';
import { roleAllows } from '@app/config';
import { SAFE_METHODS } from '../http/cross-site';
import { problem, sendProblem } from '../http/problem';
import '../auth/actor';

/**
 * Mounted on `/queues` (Express matches the mount path in any letter case, like Bull Board's
 * own router): reading the board needs any role, every write action (add, retry, promote,
 * clean, empty, pause, obliterate, edit) the `admin` role. A forged or repeated job can start
 * runs or corrupt one, so only an administrator may make one.
 */
export function boardRoles(req: Request, res: Response, next: NextFunction): void {
  const actor = req.actor;
  if (!actor) {
    res.setHeader('WWW-Authenticate', 'Basic realm="snap-recon"');
    return sendProblem(req, res, problem(401, 'credentials required'));
  }
  if (SAFE_METHODS.has(req.method) || roleAllows(actor.role, 'admin')) {
    answerErrorsAsProblems(req, res, !roleAllows(actor.role, 'admin'));
    return next();
  }
  sendProblem(
    req,
    res,
    problem(403, `Bull Board is read-only for the ${actor.role} role; writes need admin`),
  );
}

/**
 * The queue list as a read-only board shows it: Bull Board's UI hides its write buttons for a
 * queue marked `readOnlyMode` (the server refuses those writes anyway, above).
 */
function asReadOnly(body: unknown): unknown {
  const queues = (body as { queues?: unknown } | null)?.queues;
  if (!Array.isArray(queues)) return body;
  return {
    ...(body as object),
    queues: queues.map((q: object) => ({
      ...q,
      readOnlyMode: true,
      allowRetries: false,
      allowCompletedRetries: false,
    })),
  };
}

/**
 * Bull Board answers its own errors as `{error, message}` JSON; they go out as problem
 * documents like every other route's (its status, and its text as the detail). For anyone but
 * an admin, the queue list is marked read-only ({@link asReadOnly}).
 */
function answerErrorsAsProblems(req: Request, res: Response, readOnly: boolean): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    if (res.statusCode < 400) return json(readOnly ? asReadOnly(body) : body);
    const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
    const detail = [error, message].filter((v) => typeof v === 'string' && v !== '').join(': ');
    sendProblem(req, res, problem(res.statusCode, detail || undefined));
    return res;
  };
}
