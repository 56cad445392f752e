import { z } from 'zod';

/**
 * An account's transaction history as a scenario (issue 15), written from PROTOCOL.md §3
 * (Netzme history-list). The same scenario sets the account's balance: opening balance plus
 * every settled event plus any movement the history does not list. So a test describes the
 * break it wants ("a credit the ledger never booked", "a fee", "a duplicate delivery", "an
 * unlisted movement") and the balance and the running balances follow from it.
 */

const AMOUNT = /^\d{1,16}\.\d{2}$/;
const amount = z.string().regex(AMOUNT, 'must be a positive amount like "10000.00"');

export const historyEventSchema = z
  .object({
    amount,
    /** `cr` credit, `db` debit (the page's `details.side`). */
    side: z.enum(['cr', 'db']),
    /** The page's `type`, e.g. `payment_bill`, `fee`, `withdrawal`, `reversal`. */
    type: z.string().min(1).optional(),
    /** `success` moves the balance; anything else (e.g. `failed`) is listed and does not. */
    status: z.string().min(1).optional(),
    trxId: z.string().min(1).optional(),
    billId: z.string().min(1).optional(),
    description: z.string().optional(),
    /** When it happened: an ISO instant, or seconds before the scenario was loaded. */
    at: z.string().datetime({ offset: true }).optional(),
    agoSeconds: z.number().int().min(0).optional(),
    /** Delivered twice: a second copy with `duplicateEvent: true` follows it. */
    duplicate: z.boolean().optional(),
    /** Reversed: a `reversal` event of the opposite side follows it (`trxId` + `-REV`). */
    reversed: z.boolean().optional(),
    /**
     * A movement the provider's books carry just before this event but its history does not
     * list (signed, e.g. `"-250.00"`): this event's running balance includes it.
     */
    unlistedBefore: z
      .string()
      .regex(/^-?\d{1,16}\.\d{2}$/, 'must be an amount like "-250.00"')
      .optional(),
  })
  .strict()
  .refine((e) => !(e.at !== undefined && e.agoSeconds !== undefined), {
    message: 'give at or agoSeconds, not both',
  });

export const historyScenarioSchema = z
  .object({
    /** The balance before the first event. */
    opening: z
      .string()
      .regex(/^-?\d{1,16}\.\d{2}$/, 'must be an amount like "1000.00"')
      .optional(),
    events: z.array(historyEventSchema),
  })
  .strict();

export type HistoryScenario = z.infer<typeof historyScenarioSchema>;

/** One event as the endpoint serves it (amounts in minor units, seq ascending with time). */
export interface ServedEvent {
  seq: number;
  timeMs: number;
  amount: bigint;
  side: 'cr' | 'db';
  type: string;
  status: string;
  trxId: string;
  billId: string;
  description: string;
  msgId: string;
  duplicateEvent: boolean;
  /** The running balance after the event, minor units. */
  balance: bigint;
}

/** The served events and the balance they lead to. */
export interface BuiltHistory {
  events: ServedEvent[];
  balance: bigint;
}

function minor(text: string): bigint {
  const negative = text.startsWith('-');
  const v = BigInt((negative ? text.slice(1) : text).replace('.', ''));
  return negative ? -v : v;
}

/** `123456n` → `"1234.56"`. */
export function formatMinor(v: bigint): string {
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** Builds the served history of an account from its scenario, as of `nowMs`. */
export function buildHistory(
  scenario: HistoryScenario,
  accountNo: string,
  nowMs: number,
): BuiltHistory {
  const n = scenario.events.length;
  type Draft = Omit<ServedEvent, 'seq' | 'balance' | 'duplicateEvent'> & {
    copies: number;
    unlisted: bigint;
    order: number;
  };
  const drafts: Draft[] = [];
  scenario.events.forEach((e, i) => {
    // Without a time: one minute apart, the last one a minute ago.
    const timeMs =
      e.at !== undefined ? Date.parse(e.at) : nowMs - (e.agoSeconds ?? (n - i) * 60) * 1000;
    const trxId = e.trxId ?? `TRX-${accountNo}-${i + 1}`;
    const base = {
      timeMs,
      amount: minor(e.amount),
      side: e.side,
      type: e.type ?? (e.side === 'cr' ? 'payment_bill' : 'withdrawal'),
      status: e.status ?? 'success',
      trxId,
      billId: e.billId ?? `BILL-${i + 1}`,
      description: e.description ?? '',
      msgId: `MSG-${accountNo}-${i + 1}`,
      copies: e.duplicate ? 2 : 1,
      unlisted: e.unlistedBefore ? minor(e.unlistedBefore) : 0n,
      order: i * 2,
    };
    drafts.push(base);
    if (e.reversed) {
      drafts.push({
        ...base,
        timeMs: timeMs + 1000,
        side: e.side === 'cr' ? 'db' : 'cr',
        type: 'reversal',
        trxId: `${trxId}-REV`,
        msgId: `${base.msgId}-REV`,
        description: `reversal of ${trxId}`,
        copies: 1,
        unlisted: 0n,
        order: i * 2 + 1,
      });
    }
  });
  drafts.sort((a, b) => a.timeMs - b.timeMs || a.order - b.order);
  let balance = scenario.opening ? minor(scenario.opening) : 0n;
  const events: ServedEvent[] = [];
  for (const d of drafts) {
    balance += d.unlisted;
    if (d.status === 'success') balance += d.side === 'cr' ? d.amount : -d.amount;
    const { copies, unlisted: _u, order: _o, ...served } = d;
    for (let c = 0; c < copies; c++) {
      // A second delivery repeats the event (same trxId, same balance) with the flag set.
      events.push({ ...served, seq: events.length + 1, balance, duplicateEvent: c > 0 });
    }
  }
  return { events, balance };
}

/**
 * One page, newest first: cursor 0 asks for the newest events; any other cursor for the
 * events older than the event whose `seq` it is (the last one of the previous page).
 */
export function historyPage(
  events: ServedEvent[],
  cursor: number,
  pageSize: number,
  inclusive = false,
): ServedEvent[] {
  const older =
    cursor > 0 ? events.filter((e) => (inclusive ? e.seq <= cursor : e.seq < cursor)) : events;
  return older.slice(-pageSize).reverse();
}
