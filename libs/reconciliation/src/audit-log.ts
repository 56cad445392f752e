import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { DataSource, EntityManager } from 'typeorm';
import type { AccountKey } from '@app/ledger';
import * as auditRepository from './repositories/audit.repository';
import { spreadsheetSafeCsvOptions } from './spreadsheet-safe-csv';

/**
 * The audit trail: what a recorded change is, how it is listed and how it is exported as CSV.
 * The SQL is in `repositories/audit.repository.ts`.
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
  /** An admin's Bull Board write (pause, resume, retry, promote, clean, empty, obliterate). */
  'queues.change',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What a change was made to. */
export const AUDIT_SUBJECTS = ['discrepancy', 'run', 'account', 'queue'] as const;
export type AuditSubject = (typeof AUDIT_SUBJECTS)[number];

/** One change to record. `before` and `after` are JSON (amounts as decimal strings, never bigint). */
export interface AuditEntry {
  actor: Actor;
  action: AuditAction;
  subjectType: AuditSubject;
  subjectId: string;
  /** The provider account the change concerns, so its page lists it. */
  account?: AccountKey;
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
  msId: string | null;
  before: unknown;
  after: unknown;
  note: string | null;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Appends changes, in the caller's transaction when given one (so a change and its record
 * commit together). The account is resolved by its key; an unknown one is
 * recorded without an account rather than losing the record.
 */
export function appendAudit(
  db: DataSource | EntityManager,
  entries: readonly AuditEntry[],
): Promise<void> {
  return auditRepository.append(db, entries);
}

/** Which records to read: one subject, one account, or all. */
export interface AuditFilter {
  subjectType?: AuditSubject;
  subjectId?: string;
  account?: AccountKey;
}

/** A page of records, newest first. */
export async function listAudit(
  ds: DataSource,
  filter: AuditFilter,
  page: number,
  pageSize: number,
): Promise<{ items: AuditRecord[]; total: number; page: number; pageSize: number }> {
  const total = await auditRepository.count(ds, filter);
  const items = await auditRepository.findPage(ds, filter, pageSize, (page - 1) * pageSize);
  return { items, total, page, pageSize };
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
  'msId',
  'before',
  'after',
  'note',
] as const;

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
      const batch = await auditRepository.findAfter(ds, filter, after, batchSize);
      for (const r of batch) {
        yield Object.assign({}, r, { before: json(r.before), after: json(r.after) });
      }
      if (batch.length < batchSize) return;
      after = batch[batch.length - 1].id;
    }
  }
  await pipeline(
    Readable.from(rows(), { objectMode: true, highWaterMark: 64 }),
    // No amount columns: every text cell, typed notes included, is defused.
    stringify(spreadsheetSafeCsvOptions(AUDIT_CSV_COLUMNS, [])),
    destination,
  );
}
