import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { doubleCsrf } from 'csrf-csrf';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, AppConfig, isProduction, roleAllows } from '@app/config';
import { defaultRole, roleRefusal } from '../auth/roles';
import { problem, sendProblem } from './problem';
import '../auth/actor';

/** The hidden form field the pages' forms carry their token in. */
export const CSRF_FIELD = '_csrf';

/**
 * CSRF tokens for the pages' forms (`csrf-csrf`, the signed double-submit cookie pattern):
 * a page puts a token in each form and a cookie beside it; a form post is accepted only when
 * the two match and were made for the same caller (the actor's name). Tokens are signed with
 * `CSRF_SECRET` (random per process when unset: set it when several producers serve the pages).
 * In production the cookie is `Secure` (`__Host-` prefixed), so the pages need HTTPS there.
 */
@Injectable()
export class PageCsrf {
  private readonly utilities: ReturnType<typeof doubleCsrf>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const secret = config.CSRF_SECRET ?? randomBytes(32).toString('hex');
    const production = isProduction(config);
    this.utilities = doubleCsrf({
      getSecret: () => secret,
      getSessionIdentifier: (req) => req.actor?.name ?? '',
      cookieName: production ? '__Host-snap-recon.csrf' : 'snap-recon.csrf',
      cookieOptions: { sameSite: 'strict', secure: production, path: '/', httpOnly: true },
      getCsrfTokenFromRequest: (req) =>
        (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] as string | undefined,
    });
  }

  /** A token for the forms of the page being answered (sets its cookie on `res`). */
  token(req: Request, res: Response): string {
    return this.utilities.generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false });
  }

  /**
   * Express middleware: a form post without a valid token is refused with 403. A caller whose
   * role may not post at all (a viewer, whose page shows no forms) is told that first, as the
   * API's routes tell it, rather than to reload the page for a token.
   */
  readonly protect = (req: Request, res: Response, next: NextFunction): void => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
    const needed = defaultRole(req.method);
    if (req.actor && !roleAllows(req.actor.role, needed))
      return sendProblem(
        req,
        res,
        // The full path: mounted on /ui, req.path is relative to it.
        problem(403, roleRefusal(req.method, req.originalUrl.split('?')[0], needed, req.actor)),
      );
    if (this.utilities.validateRequest(req)) return next();
    sendProblem(
      req,
      res,
      problem(403, 'the form has no valid CSRF token: reload the page and send it again', [
        { field: CSRF_FIELD, value: null, reason: 'missing, or not made for this login' },
      ]),
    );
  };
}
