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

/** Which form an entry may take: `API_KEYS` also has `role:key` and a bare `key`. */
interface EntryRules {
  /** The forms allowed, for a message. */
  form: string;
  /** What the secret is called in a message: `key` or `password`. */
  secretWord: string;
  /** The role and name of a bare secret; none: the entry needs name and role. */
  bare?: { role: Role; name: (position: number) => string };
  /** Two entries may not share a secret (an API key identifies its holder by the key alone). */
  uniqueSecrets: boolean;
  /** What else is wrong with a well-formed entry (never quoting its secret); null when nothing. */
  check?: (credential: NamedCredential) => string | null;
}

/**
 * How a message names an entry: its position, and its name when it has one. The name is left
 * out when the entry may be a secret holding colons rather than a name and a role (its "role"
 * is not a known role in any case): the message must never carry a piece of a secret.
 */
function entryLabel(position: number, name: string | undefined): string {
  return name === undefined || name === ''
    ? `entry ${position}`
    : `entry ${position} (${JSON.stringify(name)})`;
}

/** A role written in another case (`Viewer`): a typo, not a piece of a key. */
const nearRole = (value: string) => isRole(value.toLowerCase());

/**
 * Why a role is refused. Its value is shown only when it is a known role in another case (a
 * typo): anything else may be the start of a key holding a colon, and a message never carries
 * a piece of a secret.
 */
function roleProblem(value: string): string {
  if (value === '') return 'empty role';
  const known = `${ROLES.join(', ')} (lowercase)`;
  if (!nearRole(value)) return `unknown role (not shown); roles are ${known}`;
  return `unknown role ${JSON.stringify(value)}; roles are ${known}; did you mean "${value.toLowerCase()}"?`;
}

type Parsed = { credential: NamedCredential } | { problem: string };

/**
 * One entry, strictly: `name:role:secret` (the secret may hold colons), and where the setting
 * allows them `role:secret` and a bare `secret` (no colon). An entry of one of these shapes
 * with an unknown role or an empty part is refused, never read as another shape: before this,
 * `ops:Viewer:<key>` became a bare `admin` key whose secret was the whole entry.
 */
function parseEntry(entry: string, position: number, rules: EntryRules): Parsed {
  const parts = entry.split(':');
  const bad = (name: string | undefined, what: string): Parsed => ({
    problem: `${entryLabel(position, name)}: ${what}`,
  });
  if (parts.length === 1) {
    if (!rules.bare) return bad(undefined, `must be ${rules.form}`);
    return {
      credential: { name: rules.bare.name(position), role: rules.bare.role, secret: entry },
    };
  }
  if (parts.length === 2) {
    if (!rules.bare) return bad(undefined, `must be ${rules.form}`);
    const [role, secret] = parts;
    const name = rules.bare.name(position);
    if (!isRole(role))
      return role === '' || nearRole(role)
        ? bad(name, `${roleProblem(role)} (as role:${rules.secretWord})`)
        : bad(
            undefined,
            `not ${rules.form} with a known role (not shown); a ${rules.secretWord} holding ":" needs a name and a role in front (name:admin:${rules.secretWord})`,
          );
    if (secret === '') return bad(name, `empty ${rules.secretWord}`);
    return { credential: { name, role, secret } };
  }
  const [name, role] = parts;
  const secret = parts.slice(2).join(':');
  if (!isRole(role)) {
    // Name and role are shown only for a role typo: otherwise the entry may be a key with colons.
    if (!nearRole(role))
      return bad(
        undefined,
        `${role === '' ? 'empty role' : 'not a known role (not shown)'}; must be ${rules.form}, and a ${rules.secretWord} holding ":" needs a name and a role in front (name:admin:${rules.secretWord})`,
      );
    return bad(name, roleProblem(role));
  }
  if (name === '') return bad(undefined, 'empty name');
  if (secret === '') return bad(name, `empty ${rules.secretWord}`);
  return { credential: { name, role, secret } };
}

const entries = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Every entry of a credentials setting, or one issue per bad entry (each naming the entry by
 * position and name and the bad part, never a secret): a malformed entry, a name used twice, and
 * where {@link EntryRules.uniqueSecrets}, a secret used twice.
 */
function parseCredentials(raw: string, rules: EntryRules, ctx: z.RefinementCtx): NamedCredential[] {
  const problems: string[] = [];
  const credentials: NamedCredential[] = [];
  const byName = new Map<string, number>();
  const bySecret = new Map<string, { position: number; name: string }>();
  entries(raw).forEach((entry, i) => {
    const position = i + 1;
    const parsed = parseEntry(entry, position, rules);
    if ('problem' in parsed) {
      problems.push(parsed.problem);
      return;
    }
    const { credential } = parsed;
    const label = entryLabel(position, credential.name);
    const sameName = byName.get(credential.name);
    if (sameName !== undefined)
      problems.push(`${label}: the name is already used by entry ${sameName}`);
    else byName.set(credential.name, position);
    const sameSecret = bySecret.get(credential.secret);
    if (rules.uniqueSecrets && sameSecret)
      problems.push(
        `${label}: the same ${rules.secretWord} as ${entryLabel(sameSecret.position, sameSecret.name)}`,
      );
    else bySecret.set(credential.secret, { position, name: credential.name });
    // By position only: a name beside a short key, or one breaking the rule, may be the key
    // itself written in the name's place (`<key>:admin:ci`).
    const problem = rules.check?.(credential);
    if (problem) problems.push(`${entryLabel(position, undefined)}: ${problem}`);
    credentials.push(credential);
  });
  for (const message of problems) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  return problems.length > 0 ? [] : credentials;
}

/**
 * `API_KEYS`: comma-separated `name:role:key`, `role:key` or `key` (a key without a role is
 * `admin`, what every key could do before roles; one without a name is `api-key-<n>`). Roles are
 * lowercase; an entry with an unknown role, an empty part, a name or a key used twice is refused.
 */
export const apiKeysSetting = z
  .string()
  .default('')
  .transform((v, ctx) =>
    parseCredentials(
      v,
      {
        form: 'name:role:key, role:key or key',
        secretWord: 'key',
        bare: { role: 'admin', name: (position) => `api-key-${position}` },
        uniqueSecrets: true,
        check: (k) =>
          k.secret.length < 16
            ? 'the key needs at least 16 characters'
            : /^[\w.@-]{1,64}$/.test(k.name)
              ? null
              : 'the name must be 1-64 of A-Z a-z 0-9 _ . @ -',
      },
      ctx,
    ),
  );

/**
 * `BASIC_AUTH_USERS`: comma-separated `user:role:password`, each a basic-auth user beside
 * `BASIC_AUTH_USER` (the password may hold colons, the user and role not). A user named twice
 * is refused.
 */
export const basicAuthUsersSetting = z
  .string()
  .default('')
  .transform((v, ctx) =>
    parseCredentials(
      v,
      {
        form: 'user:role:password with role viewer, operator or admin',
        secretWord: 'password',
        uniqueSecrets: false,
      },
      ctx,
    ),
  );
