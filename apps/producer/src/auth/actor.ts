import type { Role } from '@app/config';

/** Who made a request: the credential's configured name (never its secret) and its role. */
export interface Actor {
  name: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the authentication middleware before any body is parsed; read by the role guard, the audit trail and the access log. */
    actor?: Actor;
  }
}
