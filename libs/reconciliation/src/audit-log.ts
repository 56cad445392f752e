import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The audit trail's repository: the only code that writes or reads `audit_log` (append-only:
 * the table refuses UPDATE, DELETE and TRUNCATE). One row per state change made by a person
 * or an API key.
 */

/** Who made a change: a basic-auth user or an API key (never the key itself), and the role they acted in. */
export interface Actor {
  name: string;
  role: string;
}

/** Every kind of change the trail records. */
export const AUDIT_ACTIONS = [
  'discrepancy.acknowledge',
  'discrepancy.resolve',
  'run.start',
  'run.cancel',
  'ledger.entries.post',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What a change was made to. */
export const AUDIT_SUBJECTS = ['discrepancy', 'run', 'account'] as const;
export type AuditSubject = (typeof AUDIT_SUBJECTS)[number];

/** One change to record. `before` and `after` are JSON (amounts as decimal strings, never bigint). */
export interface AuditEntry {
  actor: Actor;
  action: AuditAction;
  subjectType: AuditSubject;
  subjectId: string;
  /** The provider account the change concerns, so its page lists it. */
  account?: { provider: string; accountNo: string };
  before?: unknown;
  after?: unknown;
  note?: string | null;
}

/** A recorded change as the API, the pages and the CSV show it. */
export interface AuditRecord {
  id: string;
  at: string;
  actorName: string;
  actorRole: string;
  action: AuditAction;
  subjectType: AuditSubject;
  subjectId: string;
  provider: string | null;
  accountNo: string | null;
  before: unknown;
  after: unknown;
  note: string | null;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Appends changes, in the caller's transaction when given one (so a change and its record
 * commit together). The account is resolved by `(provider, accountNo)`; an unknown one is
 * recorded without an account rather than losing the record.
 */
export async function appendAudit(
  db: DataSource | EntityManager,
  entries: readonly AuditEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const col = <T>(pick: (e: AuditEntry) => T) => entries.map(pick);
  await db.query(
    `INSERT INTO audit_log (actor_name, actor_role, action, subject_type, subject_id, account_id, before, after, note)
     SELECT e.actor_name, e.actor_role, e.action, e.subject_type, e.subject_id, a.id, e.before::jsonb, e.after::jsonb, e.note
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
              WITH ORDINALITY AS e(actor_name, actor_role, action, subject_type, subject_id, provider, account_no, before, after, note, n)
       LEFT JOIN provider_accounts a ON a.provider = e.provider AND a.account_no = e.account_no
      ORDER BY e.n`,
    [
      col((e) => e.actor.name),
      col((e) => e.actor.role),
      col((e) => e.action),
      col((e) => e.subjectType),
      col((e) => e.subjectId),
      col((e) => e.account?.provider ?? null),
      col((e) => e.account?.accountNo ?? null),
      col((e) => json(e.before)),
      col((e) => json(e.after)),
      col((e) => e.note ?? null),
    ],
  );
}

/** Which records to read: one subject, one account, or all. */
export interface AuditFilter {
  subjectType?: AuditSubject;
  subjectId?: string;
  account?: { provider: string; accountNo: string };
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
  before: unknown;
  after: unknown;
  note: string | null;
}

const SELECT = `SELECT l.id, l.at, l.actor_name, l.actor_role, l.action, l.subject_type, l.subject_id,
  a.provider, a.account_no, l.before, l.after, l.note
  FROM audit_log l LEFT JOIN provider_accounts a ON a.id = l.account_id`;

/** $1..$4: subject type, subject id, provider, account no (each null for "any"). */
const WHERE = `($1::text IS NULL OR l.subject_type = $1) AND ($2::text IS NULL OR l.subject_id = $2)
  AND ($3::text IS NULL OR (a.provider = $3 AND a.account_no = $4))`;

const filterParams = (f: AuditFilter) => [
  f.subjectType ?? null,
  f.subjectId ?? null,
  f.account?.provider ?? null,
  f.account?.accountNo ?? null,
];

function toRecord(r: AuditRow): AuditRecord {
  return {
    id: String(r.id),
    at: r.at.toISOString(),
    actorName: r.actor_name,
    actorRole: r.actor_role,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    provider: r.provider,
    accountNo: r.account_no,
    before: r.before,
    after: r.after,
    note: r.note,
  };
}

/** A page of records, newest first. */
export async function listAudit(
  ds: DataSource,
  filter: AuditFilter,
  page: number,
  pageSize: number,
): Promise<{ items: AuditRecord[]; total: number; page: number; pageSize: number }> {
  const params = filterParams(filter);
  const [{ total }]: { total: string }[] = await ds.query(
    `SELECT count(*) AS total FROM audit_log l LEFT JOIN provider_accounts a ON a.id = l.account_id WHERE ${WHERE}`,
    params,
  );
  const rows: AuditRow[] = await ds.query(
    `${SELECT} WHERE ${WHERE} ORDER BY l.id DESC LIMIT $5 OFFSET $6`,
    [...params, pageSize, (page - 1) * pageSize],
  );
  return { items: rows.map(toRecord), total: Number(total), page, pageSize };
}

/** Columns of the audit CSV, in order; `before` and `after` are JSON text. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'actorName',
  'actorRole',
  'action',
  'subjectType',
  'subjectId',
  'provider',
  'accountNo',
  'before',
  'after',
  'note',
] as const;

/**
 * A spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, tab or CR as a formula; people
 * type notes, so such a cell is prefixed with `'` (shown as text, OWASP's advice).
 */
function defuseFormula(text: string | null): string | null {
  return text !== null && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/**
 * Writes the matching records as CSV, oldest first, streaming in batches by id (keyset), so
 * memory stays one batch whatever the trail's length.
 */
export async function writeAuditCsv(
  ds: DataSource,
  filter: AuditFilter,
  destination: Writable,
  batchSize = 1000,
): Promise<void> {
  async function* rows() {
    let after = '0';
    for (;;) {
      const batch: AuditRow[] = await ds.query(
        `${SELECT} WHERE ${WHERE} AND l.id > $5 ORDER BY l.id LIMIT $6`,
        [...filterParams(filter), after, batchSize],
      );
      for (const row of batch) {
        const r = toRecord(row);
        yield {
          ...r,
          actorName: defuseFormula(r.actorName),
          note: defuseFormula(r.note),
          before: json(r.before),
          after: json(r.after),
        };
      }
      if (batch.length < batchSize) return;
      after = String(batch[batch.length - 1].id);
    }
  }
  await pipeline(
    Readable.from(rows(), { objectMode: true, highWaterMark: 64 }),
    stringify({ header: true, columns: AUDIT_CSV_COLUMNS.map(String) }),
    destination,
  );
}
