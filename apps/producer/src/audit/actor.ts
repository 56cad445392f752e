import { createHash } from 'node:crypto';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '@app/reconciliation';
import { basicToken } from '../auth/credentials-check';

/** What the authentication guard may leave on a request it let through. */
type AuthenticatedRequest = Request & { actor?: Partial<Actor> };

/**
 * The role of a credential when the guard names none: today every credential may do every
 * action, which is what `admin` will mean once credentials carry roles.
 */
const ROLE_WITHOUT_ROLES = 'admin';

/**
 * Who made a request, for the audit trail. The guard puts `request.actor = { name, role }` on
 * every authenticated request; until it does (or for a route it left without one) the actor
 * is read from the credentials the guard already checked: the basic-auth user name, or an
 * API key's fingerprint (`api-key:` + 8 hex digits of its SHA-256, never the key).
 */
export function actorOf(request: AuthenticatedRequest): Actor {
  const given = request.actor;
  if (given && typeof given.name === 'string' && given.name !== '')
    return { name: given.name, role: given.role ?? ROLE_WITHOUT_ROLES };
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '')
    return {
      name: `api-key:${createHash('sha256').update(apiKey).digest('hex').slice(0, 8)}`,
      role: ROLE_WITHOUT_ROLES,
    };
  const authorization = request.headers.authorization;
  const encoded = typeof authorization === 'string' ? basicToken(authorization) : undefined;
  if (encoded !== undefined) {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { name: decoded.slice(0, colon), role: ROLE_WITHOUT_ROLES };
  }
  return { name: 'unknown', role: 'unknown' };
}

/** The request's {@link actorOf} as a handler parameter. */
export const RequestActor = createParamDecorator((_: unknown, context: ExecutionContext) =>
  actorOf(context.switchToHttp().getRequest<AuthenticatedRequest>()),
);
