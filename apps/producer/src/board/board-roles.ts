import type { NextFunction, Request, Response } from 'express';
import { roleAllows } from '@app/config';
import { redactSecretValues } from '@app/snap';
import { SAFE_METHODS } from '../http/cross-site';
import { problem, sendProblem } from '../http/problem';
import { MAX_PAGE_SIZE } from '../reports/report-params';
import '../auth/actor';
import type { Actor } from '@app/reconciliation';

/** An admin's Bull Board write that went through: what the audit trail records. */
export interface BoardChange {
  /** The queue it acted on, or `all` (Bull Board's pause and resume of every queue). */
  queue: string;
  method: string;
  /** The Bull Board API path, from `/api/queues/` on (no query). */
  path: string;
  /** Set when the outcome is not known (the client left before the answer). */
  outcome?: string;
}

/**
 * The Bull Board writes an admin may make: pause and resume (one queue or all), retry, clean
 * and promote (jobs of a state, or one job), empty and obliterate a queue. Every other write is
 * refused to every role: adding a job or editing its data (a made-up job could start runs, or
 * carry an alert the worker would sign and send as snap-recon's own), a queue's rate limit or
 * concurrency (it would override RATE_LIMIT_* and WORKER_CONCURRENCY), a job's delay or
 * priority, the job schedulers (the schedule is SCHEDULE_CRON's) and the metrics history.
 */
const ALLOWED_WRITES = [
  /^\/api\/queues\/(pause|resume)\/?$/i,
  /^\/api\/queues\/[^/]+\/(retry|clean)\/[^/]+\/?$/i,
  /^\/api\/queues\/[^/]+\/(promote|pause|resume|empty|obliterate)\/?$/i,
  /^\/api\/queues\/[^/]+\/[^/]+\/(retry|clean|promote)\/?$/i,
];

/**
 * Bull Board checks only that `jobsPerPage` is at least 1: a reader asking for a million would
 * have the producer read every kept job of a queue (up to JOB_KEEP_COMPLETED_COUNT) from the
 * workers' Redis into one answer. Held to the API's own page size limit; its UI offers less.
 */
function pageSizeProblem(req: Request): string | undefined {
  const value = req.query.jobsPerPage;
  if (value === undefined) return undefined;
  if (
    typeof value === 'string' &&
    /^\d{1,6}$/.test(value) &&
    Number(value) >= 1 &&
    Number(value) <= MAX_PAGE_SIZE
  )
    return undefined;
  return `must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
}

/** The Bull Board API path of a request, from `/api/` on (either mount: the app's or the board's). */
const apiPath = (req: Request) => req.path.replace(/^.*?\/api\//i, '/api/');

/** The change a Bull Board API path names (`/api/queues/<queue>/...`, `/api/queues/pause`). */
function boardChange(req: Request): BoardChange {
  const path = apiPath(req);
  const [, , , segment, more] = path.split('/');
  const all = segment === undefined || (more === undefined && /^(pause|resume)$/i.test(segment));
  let queue = segment;
  try {
    queue = decodeURIComponent(segment);
  } catch {
    // A malformed escape: the name as sent (Bull Board answers it as an unknown queue).
  }
  return { queue: all ? 'all' : queue, method: req.method, path };
}

/**
 * Mounted on `/queues` (Express matches the mount path in any letter case, like Bull Board's
 * own router): reading the board needs any role, a write ({@link ALLOWED_WRITES}) the `admin`
 * role, and each one that goes through is recorded in the audit trail under its admin
 * (`record`). Every other write is refused to every role.
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
      const reason = pageSizeProblem(req);
      if (reason)
        return sendProblem(
          req,
          res,
          problem(400, 'invalid query parameters', [
            {
              field: 'jobsPerPage',
              value: redactSecretValues(JSON.stringify(req.query.jobsPerPage)).slice(0, 80),
              reason,
            },
          ]),
        );
      answerErrorsAsProblems(req, res, !admin);
      return next();
    }
    if (!admin)
      return sendProblem(
        req,
        res,
        problem(403, `Bull Board is read-only for the ${actor.role} role; writes need admin`),
      );
    if (!ALLOWED_WRITES.some((allowed) => allowed.test(apiPath(req))))
      return sendProblem(
        req,
        res,
        problem(
          403,
          "Bull Board here only pauses, resumes, retries, cleans, promotes, empties and obliterates: jobs, rate limits, concurrency and schedules are the apps' (a job made by hand could start runs or carry an alert signed as snap-recon; start a run with POST /runs)",
        ),
      );
    answerErrorsAsProblems(req, res, false);
    const change = boardChange(req);
    // Recorded once answered; a client gone before the answer cannot tell the outcome, so the
    // change is recorded as asked (it may have gone through all the same).
    res.on('close', () => {
      if (!res.writableFinished)
        record(actor, { ...change, outcome: 'client left before the answer' });
      else if (res.statusCode < 400) record(actor, change);
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
