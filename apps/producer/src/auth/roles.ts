import { SetMetadata } from '@nestjs/common';
import type { Role } from '@app/config';

export const REQUIRED_ROLE = 'snap-recon:role';

/**
 * The least role a route needs. Without it: `viewer` for GET and HEAD, `operator` for every
 * other method (a new write route is closed to viewers unless it says otherwise).
 */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** The role a request needs when its route names none. */
export function defaultRole(method: string): Role {
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'operator';
}

/** Why a caller is refused for its role: the route's words, the role needed and the caller's. */
export function roleRefusal(
  method: string,
  path: string,
  needed: Role,
  actor: { name: string; role: string },
): string {
  return `${method} ${path} needs the ${needed} role; ${actor.name} is ${actor.role}`;
}
