/**
 * The transaction-history operation (issue 15): fetches one account's events of a time window
 * from a provider whose profile has a `history`, page by page, through the same retry loop and
 * transport as every operation (authorized-call.ts, transport.ts): every page is one signed,
 * paced request with the shared token, like a balance inquiry.
 */
import { answerBreach, AuthorizedCaller } from './authorized-call';
import { AMOUNT_PATTERN, parseAmount } from './money';
import type { HistoryProfile } from './providers/history-profile';
import { pick, show } from './response-body';
import { parseResponseCode } from './response-code';
import { jakartaTimestamp, parseSnapTimestamp } from './timestamp';

/** One movement on the provider's books, read from a history page. Amounts in minor units. */
export interface HistoryEvent {
  /** The provider's transaction id (compared with a ledger entry's `provider_ref`). */
  providerRef: string | null;
  time: Date;
  side: 'credit' | 'debit';
  /** Positive: the side says which way it moved. */
  amount: bigint;
  /** Credit positive, debit negative. */
  signedAmount: bigint;
  type: string | null;
  status: string | null;
  /** False when the status is not one that moved the balance (e.g. `failed`). */
  settled: boolean;
  /** The provider's balance after this event, where it gives one. */
  runningBalance: bigint | null;
  /** The provider flagged it as a second delivery of an event. */
  duplicate: boolean;
  cursor: string | null;
  description: string | null;
}

/** What one history fetch brought back. */
export interface HistoryWindow {
  /** Events with from <= time <= to, newest first as served. */
  events: HistoryEvent[];
  pages: number;
  /** The page cap stopped the fetch before the window's start was reached. */
  capHit: boolean;
}

/** Thrown by the pure readers below; names the field and the value. */
export class HistoryFormatError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'HistoryFormatError';
  }
}

/** Values filled into a history request template. */
export interface HistoryRequestValues {
  reference: string;
  accountNo: string;
  pageSize: number;
  cursor?: string;
  pageNumber?: number;
  from: Date;
  to: Date;
}

const NUMERIC_PLACEHOLDERS = new Set(['{pageSize}', '{cursor}', '{pageNumber}']);

/** The request body: the profile's template with the values filled in. */
export function historyRequestBody(history: HistoryProfile, v: HistoryRequestValues): object {
  const text: Record<string, string> = {
    '{reference}': v.reference,
    '{accountNo}': v.accountNo,
    '{pageSize}': String(v.pageSize),
    '{cursor}': v.cursor ?? '',
    '{pageNumber}': v.pageNumber === undefined ? '' : String(v.pageNumber),
    '{fromDateTime}': jakartaTimestamp(v.from),
    '{toDateTime}': jakartaTimestamp(v.to),
  };
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      // A whole-value number placeholder is sent as a JSON number (`seqId: 0`, `pageSize: 50`).
      if (NUMERIC_PLACEHOLDERS.has(node) && /^\d{1,15}$/.test(text[node])) {
        return Number(text[node]);
      }
      return node.replace(/\{[A-Za-z]+\}/g, (m) => text[m] ?? m);
    }
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      return Object.fromEntries(Object.entries(node).map(([k, val]) => [k, fill(val)]));
    }
    return node;
  };
  return fill(history.request) as object;
}

/**
 * A running balance: `"IDR 1343486.00"` (Netzme's `details.balance`), a bare `"1343486.00"`,
 * or an amount object `{value, currency}`. The currency, when given, must be the account's.
 */
export function parseRunningBalance(value: unknown, currency: string, field: string): bigint {
  let amount: unknown = value;
  let cur: unknown;
  if (typeof value === 'string') {
    const m = /^(?:([A-Z]{3}) ?)?(\S+)$/.exec(value.trim());
    cur = m?.[1];
    amount = m?.[2];
  } else if (value && typeof value === 'object') {
    amount = (value as Record<string, unknown>).value;
    cur = (value as Record<string, unknown>).currency;
  }
  if (typeof amount !== 'string' || !AMOUNT_PATTERN.test(amount)) {
    throw new HistoryFormatError(field, `${show(value)} is not a balance like "IDR 1343486.00"`);
  }
  if (cur !== undefined && cur !== currency) {
    throw new HistoryFormatError(
      field,
      `currency ${show(cur)} is not the account's ${show(currency)}`,
    );
  }
  return parseAmount(amount, field);
}

/** One event of a history answer, read by the profile's mapping. */
export function parseHistoryEvent(
  history: HistoryProfile,
  raw: unknown,
  currency: string,
  index: number,
): HistoryEvent {
  const at = `${history.eventsField}[${index}]`;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new HistoryFormatError(at, `${show(raw)} is not an object`);
  }
  const event = structuredClone(raw) as Record<string, unknown>;
  for (const path of history.jsonStringFields) {
    const text = pick(event, path);
    if (text === undefined) continue;
    if (typeof text !== 'string') {
      throw new HistoryFormatError(`${at}.${path}`, `${show(text)} is not a JSON string`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HistoryFormatError(`${at}.${path}`, `${show(text)} is not JSON`);
    }
    const keys = path.split('.');
    const parent = keys.length === 1 ? event : pick(event, keys.slice(0, -1).join('.'));
    (parent as Record<string, unknown>)[keys[keys.length - 1]] = parsed;
  }
  const m = history.event;
  const text = (path: string | null): string | null => {
    if (!path) return null;
    const v = pick(event, path);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    return null;
  };
  const amountField = `${at}.${m.amountField}`;
  let amount: bigint;
  try {
    amount = parseAmount(pick(event, `${m.amountField}.value`), `${amountField}.value`);
  } catch (e) {
    throw new HistoryFormatError(`${amountField}.value`, (e as Error).message);
  }
  if (amount < 0n) {
    throw new HistoryFormatError(
      `${amountField}.value`,
      'is negative; the side field says the direction',
    );
  }
  const cur = pick(event, `${m.amountField}.currency`);
  if (cur !== currency) {
    throw new HistoryFormatError(
      `${amountField}.currency`,
      `${show(cur)} is not the account's ${show(currency)}`,
    );
  }
  const timeText = pick(event, m.timeField);
  const time = typeof timeText === 'string' ? parseSnapTimestamp(timeText) : null;
  if (!time) {
    throw new HistoryFormatError(
      `${at}.${m.timeField}`,
      `${show(timeText)} is not a time like 2022-11-09T15:43:57+07:00`,
    );
  }
  const sideText = text(m.sideField);
  const side =
    sideText !== null && m.creditValues.includes(sideText)
      ? 'credit'
      : sideText !== null && m.debitValues.includes(sideText)
        ? 'debit'
        : null;
  if (!side) {
    throw new HistoryFormatError(
      `${at}.${m.sideField}`,
      `${show(pick(event, m.sideField))} is neither ${m.creditValues.join('/')} nor ${m.debitValues.join('/')}`,
    );
  }
  const status = text(m.statusField);
  const balanceRaw = m.runningBalanceField ? pick(event, m.runningBalanceField) : undefined;
  const duplicateRaw = m.duplicateField ? pick(event, m.duplicateField) : undefined;
  if (duplicateRaw !== undefined && typeof duplicateRaw !== 'boolean') {
    throw new HistoryFormatError(
      `${at}.${m.duplicateField}`,
      `${show(duplicateRaw)} is not a boolean`,
    );
  }
  return {
    providerRef: text(m.idField),
    time,
    side,
    amount,
    signedAmount: side === 'credit' ? amount : -amount,
    type: text(m.typeField),
    status,
    settled:
      m.settledStatusValues.length === 0 ||
      (status !== null && m.settledStatusValues.includes(status)),
    runningBalance:
      balanceRaw === undefined || balanceRaw === null || balanceRaw === ''
        ? null
        : parseRunningBalance(balanceRaw, currency, `${at}.${m.runningBalanceField}`),
    duplicate: duplicateRaw === true,
    cursor: text(m.cursorField),
    description: text(m.descriptionField),
  };
}

/** The window and the limits of one fetch. */
export interface HistoryRequest {
  accountNo: string;
  currency: string;
  from: Date;
  to: Date;
  /** Overrides the profile's `maxPagesPerAccount`. */
  maxPages?: number;
  /** Overrides the profile's `pageSize`. */
  pageSize?: number;
}

/**
 * Fetches the account's events between `from` and `to`: cursor paging from the newest page
 * backwards until a page reaches before `from` or comes back short; page-number paging over
 * the time range until a short page. Stops at the page cap and says so (`capHit`).
 */
export async function fetchHistory(
  client: AuthorizedCaller,
  req: HistoryRequest,
): Promise<HistoryWindow> {
  const { profile } = client;
  const history = profile.history;
  if (!profile.capabilities.history || !history) {
    throw new Error(
      `${profile.provider}: transaction history is not offered (capabilities.history)`,
    );
  }
  const pageSize = req.pageSize ?? history.pageSize;
  const maxPages = req.maxPages ?? history.maxPagesPerAccount;
  const events: HistoryEvent[] = [];
  // An inclusive cursor answers the event it names again at the top of the next page: an
  // event is taken once per cursor (Netzme's page does not say which kind its seqId is).
  const seen = new Set<string>();
  let cursor = history.paging.kind === 'cursor' ? history.paging.firstCursor : undefined;
  let pageNumber = history.paging.kind === 'page-number' ? history.paging.firstPage : undefined;
  for (let pages = 1; ; pages++) {
    const answer = await client.authorizedCall(
      'transaction-history',
      history.path,
      history.signedPath ?? history.path,
      (reference) =>
        historyRequestBody(
          history,
          Object.assign({}, req, { reference, pageSize, cursor, pageNumber }),
        ),
      // GET or POST as the profile says (PROTOCOL.md §3); the signature covers it.
      history.method,
    );
    const breach = (message: string) => answerBreach(profile.provider, message, answer);
    const { json, code } = answer;
    if (parseResponseCode(code)?.serviceCode !== history.serviceCode) {
      throw breach(`responseCode ${code} is not a history answer (service ${history.serviceCode})`);
    }
    const list = pick(json, history.eventsField);
    if (!Array.isArray(list)) throw breach(`${history.eventsField} ${show(list)} is not a list`);
    let page: HistoryEvent[];
    try {
      page = list.map((raw, i) => parseHistoryEvent(history, raw, req.currency, i));
    } catch (e) {
      if (e instanceof HistoryFormatError) throw breach(e.message);
      throw e;
    }
    for (const e of page) {
      if (e.cursor !== null && seen.has(e.cursor)) continue;
      if (e.cursor !== null) seen.add(e.cursor);
      if (e.time >= req.from && e.time <= req.to) events.push(e);
    }
    const reachedStart = page.some((e) => e.time < req.from);
    if (page.length < pageSize || reachedStart) return { events, pages, capHit: false };
    if (pages >= maxPages) return { events, pages, capHit: true };
    if (history.paging.kind === 'cursor') {
      const next = page[page.length - 1].cursor;
      if (next === null || next === cursor) {
        throw breach(`history cursor ${show(next)} does not move past ${show(cursor)}`);
      }
      cursor = next;
    } else {
      pageNumber = (pageNumber ?? 0) + 1;
    }
  }
}
