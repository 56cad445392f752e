import type { NextFunction, Request, Response } from 'express';
import { roleAllows } from '@app/config';
import { SAFE_METHODS } from '../http/cross-site';
import { problem, sendProblem } from '../http/problem';
import '../auth/actor';
import type { Actor } from '@app/reconciliation';

/** An admin's Bull Board write that went through: what the audit trail records. */
export interface BoardChange {
  /** The queue it acted on, or `all` (Bull Board's pause and resume of every queue). */
  queue: string;
  method: string;
  /** The Bull Board API path, from `/api/queues/` on (no query). */
  path: string;
}

/** Bull Board's routes that make or edit a job's data: refused to every role. */
const HAND_MADE_JOB = /\/(add|update-data)\/?$/i;

/** The change a Bull Board API path names (`/api/queues/<queue>/...`, `/api/queues/pause`). */
function boardChange(req: Request): BoardChange {
  const path = req.path.replace(/^.*?\/api\/queues/i, '/api/queues');
  const [, , , segment, more] = path.split('/');
  const queue = segment === undefined || (more === undefined && /^(pause|resume)$/i.test(segment));
  return { queue: queue ? 'all' : decodeURIComponent(segment), method: req.method, path };
}

/**
 * Mounted on `/queues` (Express matches the mount path in any letter case, like Bull Board's
 * own router): reading the board needs any role, every write action (retry, promote, clean,
 * empty, pause, obliterate) the `admin` role, and each one that goes through is recorded in the
 * audit trail under its admin (`record`). No one adds or edits a job by hand: a made-up job
 * could start runs, or carry an alert the worker would sign and send as snap-recon's own.
 */
export function boardRoles(record: (actor: Actor, change: BoardChange) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const actor = req.actor;
    if (!actor) {
      res.setHeader('WWW-Authenticate', 'Basic realm="snap-recon"');
      return sendProblem(req, res, problem(401, 'credentials required'));
    }
    const admin = roleAllows(actor.role, 'admin');
    if (SAFE_METHODS.has(req.method)) {
      answerErrorsAsProblems(req, res, !admin);
      return next();
    }
    if (!admin)
      return sendProblem(
        req,
        res,
        problem(403, `Bull Board is read-only for the ${actor.role} role; writes need admin`),
      );
    if (HAND_MADE_JOB.test(req.path))
      return sendProblem(
        req,
        res,
        problem(
          403,
          'Bull Board does not add or edit jobs: a job made by hand could start runs or carry an alert signed as snap-recon; start a run with POST /runs',
        ),
      );
    answerErrorsAsProblems(req, res, false);
    const change = boardChange(req);
    res.on('finish', () => {
      if (res.statusCode < 400) record(actor, change);
    });
    next();
  };
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
