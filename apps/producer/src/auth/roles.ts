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
