import { z } from 'zod';

/**
 * What a credential may do, each role including the one before it: `viewer` reads (reports,
 * pages, Bull Board read-only), `operator` also acknowledges/resolves discrepancies, starts runs
 * and sends ledger batches, `admin` also uses Bull Board's write actions.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `role` may do what `needed` may. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** One configured credential: a name for logs and the audit trail, its role and its secret. */
export interface NamedCredential {
  name: string;
  role: Role;
  secret: string;
}

const isRole = (v: string | undefined): v is Role => (ROLES as readonly string[]).includes(v ?? '');

/**
 * Splits `name:role:secret`, `role:secret` or a bare `secret` (the secret may itself hold
 * colons only when name and role are given). A bare secret is `defaultRole`, named
 * `${fallbackName}`; the secret is never the name.
 */
function parseEntry(entry: string, fallbackName: string, defaultRole: Role): NamedCredential {
  const parts = entry.split(':');
  if (parts.length >= 3 && isRole(parts[1]))
    return { name: parts[0], role: parts[1], secret: parts.slice(2).join(':') };
  if (parts.length >= 2 && isRole(parts[0]))
    return { name: fallbackName, role: parts[0], secret: parts.slice(1).join(':') };
  return { name: fallbackName, role: defaultRole, secret: entry };
}

const entries = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * `API_KEYS`: comma-separated `name:role:key`, `role:key` or `key` (a key without a role is
 * `admin`, what every key could do before roles; one without a name is `api-key-<n>`).
 */
export const apiKeysSetting = z
  .string()
  .default('')
  .transform((v) => entries(v).map((e, i) => parseEntry(e, `api-key-${i + 1}`, 'admin')))
  .refine((keys) => keys.every((k) => k.secret.length >= 16), {
    message: 'each key needs at least 16 characters',
  })
  .refine((keys) => keys.every((k) => /^[\w.@-]{1,64}$/.test(k.name)), {
    message: 'each key name must be 1-64 of A-Z a-z 0-9 _ . @ -',
  });

/**
 * `BASIC_AUTH_USERS`: comma-separated `user:role:password`, each a basic-auth user beside
 * `BASIC_AUTH_USER` (the password may hold colons, the user and role not).
 */
export const basicAuthUsersSetting = z
  .string()
  .default('')
  .transform((v) => entries(v).map((e) => parseEntry(e, '', 'viewer')))
  .refine((users) => users.every((u) => u.name !== '' && u.secret !== ''), {
    message: 'each entry must be user:role:password with role viewer, operator or admin',
  });
