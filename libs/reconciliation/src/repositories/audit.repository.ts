import { countOf, Db, idOf } from '@app/ledger';
import type { AuditAction, AuditEntry, AuditFilter, AuditRecord, AuditSubject } from '../audit-log';

/**
 * `audit_log`: the only code that writes or reads it (append-only: the table refuses UPDATE,
 * DELETE and TRUNCATE). One row per state change made by a person or an API key.
 */

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Appends changes, in the caller's transaction when given one (so a change and its record
 * commit together). The account is resolved by its key; an unknown one is
 * recorded without an account rather than losing the record.
 */
export async function append(db: Db, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const col = <T>(pick: (e: AuditEntry) => T) => entries.map(pick);
  await db.query(
    `INSERT INTO audit_log (actor_name, actor_role, action, subject_type, subject_id, account_id, before, after, note)
     SELECT e.actor_name, e.actor_role, e.action, e.subject_type, e.subject_id, a.id, e.before::jsonb, e.after::jsonb, e.note
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
              WITH ORDINALITY AS e(actor_name, actor_role, action, subject_type, subject_id, provider, account_no, ms_id, before, after, note, n)
       LEFT JOIN provider_accounts a
              ON a.provider = e.provider AND a.account_no = e.account_no AND coalesce(a.ms_id, '') = e.ms_id
      ORDER BY e.n`,
    [
      col((e) => e.actor.name),
      col((e) => e.actor.role),
      col((e) => e.action),
      col((e) => e.subjectType),
      col((e) => e.subjectId),
      col((e) => e.account?.provider ?? null),
      col((e) => e.account?.accountNo ?? null),
      col((e) => e.account?.msId ?? ''),
      col((e) => json(e.before)),
      col((e) => json(e.after)),
      col((e) => e.note ?? null),
    ],
  );
}

interface AuditRow {
  id: string;
  at: Date;
  actor_name: string;
  actor_role: string;
  action: AuditAction;
  subject_type: AuditSubject;
  subject_id: string;
  provider: string | null;
  account_no: string | null;
  ms_id: string | null;
  before: unknown;
  after: unknown;
  note: string | null;
}

const SELECT = `SELECT l.id, l.at, l.actor_name, l.actor_role, l.action, l.subject_type, l.subject_id,
  a.provider, a.account_no, a.ms_id, l.before, l.after, l.note
  FROM audit_log l LEFT JOIN provider_accounts a ON a.id = l.account_id`;

/** $1..$5: subject type, subject id, provider, account no, seller id (`''`: none); null for "any". */
const WHERE = `($1::text IS NULL OR l.subject_type = $1) AND ($2::text IS NULL OR l.subject_id = $2)
  AND ($3::text IS NULL OR (a.provider = $3 AND a.account_no = $4 AND coalesce(a.ms_id, '') = $5))`;

const filterParams = (f: AuditFilter) => [
  f.subjectType ?? null,
  f.subjectId ?? null,
  f.account?.provider ?? null,
  f.account?.accountNo ?? null,
  f.account ? (f.account.msId ?? '') : null,
];

function toRecord(r: AuditRow): AuditRecord {
  return {
    id: idOf(r.id),
    at: r.at.toISOString(),
    actorName: r.actor_name,
    actorRole: r.actor_role,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    provider: r.provider,
    accountNo: r.account_no,
    msId: r.ms_id,
    before: r.before,
    after: r.after,
    note: r.note,
  };
}

/** How many records match the filter. */
export async function count(db: Db, filter: AuditFilter): Promise<number> {
  const [{ total }]: { total: string }[] = await db.query(
    `SELECT count(*) AS total FROM audit_log l LEFT JOIN provider_accounts a ON a.id = l.account_id WHERE ${WHERE}`,
    filterParams(filter),
  );
  return countOf(total);
}

/** A page of the matching records, newest first. */
export async function findPage(
  db: Db,
  filter: AuditFilter,
  limit: number,
  offset: number,
): Promise<AuditRecord[]> {
  const rows: AuditRow[] = await db.query(
    `${SELECT} WHERE ${WHERE} ORDER BY l.id DESC LIMIT $6 OFFSET $7`,
    [...filterParams(filter), limit, offset],
  );
  return rows.map(toRecord);
}

/** Up to `limit` matching records with an id above `afterId`, oldest first (keyset paging). */
export async function findAfter(
  db: Db,
  filter: AuditFilter,
  afterId: string,
  limit: number,
): Promise<AuditRecord[]> {
  const rows: AuditRow[] = await db.query(
    `${SELECT} WHERE ${WHERE} AND l.id > $6 ORDER BY l.id LIMIT $7`,
    [...filterParams(filter), afterId, limit],
  );
  return rows.map(toRecord);
}
