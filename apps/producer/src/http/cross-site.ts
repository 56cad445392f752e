import type { NextFunction, Request, Response } from 'express';
import { problem, sendProblem } from './problem';

/** Methods that never change anything; every other method is refused from another site. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why a request came from another site, or undefined when nothing says it did. */
function crossSiteReason(req: Request): string | undefined {
  const fetchSite = req.headers['sec-fetch-site'];
  if (typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none')
    return `Sec-Fetch-Site is ${JSON.stringify(fetchSite)}`;
  const origin = req.headers.origin;
  if (typeof origin === 'string') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    // This server's name as the browser saw it: the Host header, or behind a proxy that
    // `TRUST_PROXY` names, its X-Forwarded-Host (a proxy may rewrite Host to its upstream's;
    // another passes Host through and sets X-Forwarded-Host without the port). Neither header
    // can be set by a cross-site browser request.
    if (!host || (host !== req.headers.host && host !== req.host))
      return `Origin ${JSON.stringify(origin.slice(0, 100))} is not this server`;
  }
  return undefined;
}

/**
 * Refuses, with 403, a request of an unsafe method that a browser marks as sent by another
 * site (`Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` that is not this
 * host). Browsers resend basic auth on cross-site form posts, so without this any page the
 * operator visits could acknowledge, resolve or start runs with the operator's login.
 * Clients that are not browsers send neither header and are not affected.
 */
export function refuseCrossSite(req: Request, res: Response, next: NextFunction): void {
  if (SAFE_METHODS.has(req.method)) return next();
  const reason = crossSiteReason(req);
  if (!reason) return next();
  sendProblem(req, res, problem(403, `cross-site request refused: ${reason}`));
}
