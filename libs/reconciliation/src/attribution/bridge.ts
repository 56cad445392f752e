/**
 * The bridge of a break (issue 15): which movements make up the difference between the ledger
 * and the provider, built from the provider's history and the ledger entries of one window.
 *
 *   ledger balance + provider-only − ledger-only + amount differences + remainder = provider balance
 *
 * A ledger entry back-dated before the window (posted at or before `from`, stored after the
 * last matched check that `from` comes from) is in today's ledger balance but was not in the
 * balance that check matched: it is one of the window's entries, flagged `backdated`, so the
 * window's starting ledger balance is the one that check saw.
 *
 * Pure: no I/O, amounts in bigint minor units; {@link bridgeToJson} turns it into the stored
 * (jsonb) form with amounts as decimal strings.
 */
import { absAmount, formatAmount } from '@app/snap';

/** A provider event, as the history operation reads it (only what the bridge needs). */
export interface BridgeEvent {
  providerRef: string | null;
  time: Date;
  /** Credit positive, debit negative. */
  signedAmount: bigint;
  type: string | null;
  settled: boolean;
  duplicate: boolean;
  runningBalance: bigint | null;
}

/** A ledger entry of the window. */
export interface BridgeEntry {
  entryRef: string;
  providerRef: string | null;
  postedAt: Date;
  /** Signed minor units. */
  amount: bigint;
  /**
   * Posted at or before the window's start but stored after the last matched check: that
   * check did not see it.
   */
  backdated?: boolean;
}

export interface BridgeInput {
  providerBalance: bigint;
  ledgerBalance: bigint;
  /**
   * The window: events and entries with from < time <= to (and entries back-dated before it,
   * see {@link BridgeEntry.backdated}).
   */
  from: Date;
  to: Date;
  /** Where the window starts from: the account's last matched check, or the look-back. */
  fromKind: 'last-matched' | 'look-back';
  /**
   * Where the provider's events start, on its clock: the last match's provider time where it
   * gave one (before `from` when that match was made by the ledger as of our clock). Absent:
   * `from`.
   */
  eventsFrom?: Date;
  /**
   * Where the provider's events end, on its clock: the check's provider time where it gave one
   * (before `to` on a clock behind ours). Absent: `to`. Provider-only events this close to it
   * may be money in flight.
   */
  eventsTo?: Date;
  events: readonly BridgeEvent[];
  entries: readonly BridgeEntry[];
  /** Largest time distance for a match by amount and time. */
  toleranceMs: number;
  /** Provider-only items at most this old (before `eventsTo`) may be money in flight. */
  inFlightMs: number;
  pages: number;
  capHit: boolean;
  maxPages: number;
}

export interface MatchedPair {
  event: BridgeEvent;
  entry: BridgeEntry;
  by: 'provider-ref' | 'amount-time';
  /** Event amount − entry amount (0 for a match by amount). */
  difference: bigint;
}

/** Where the provider's and the ledger's running balances first part. */
export interface Divergence {
  /** The event after which they part; `null`: they differ already at the window's start. */
  event: BridgeEvent | null;
  providerRunning: bigint;
  ledgerRunning: bigint;
}

export interface Bridge {
  input: BridgeInput;
  matched: MatchedPair[];
  providerOnly: BridgeEvent[];
  ledgerOnly: BridgeEntry[];
  duplicatesSkipped: number;
  notSettledSkipped: number;
  providerOnlyTotal: bigint;
  ledgerOnlyTotal: bigint;
  amountDifferenceTotal: bigint;
  /** What the history does not explain: 0 when fully explained. */
  remainder: bigint;
  firstDivergence: Divergence | null;
  /** Fully explained by recent provider-only movements alone: likely money in flight. */
  inFlight: boolean;
}

/** Matches events to entries (by provider ref, then amount and time) and builds the bridge. */
export function buildBridge(input: BridgeInput): Bridge {
  let duplicatesSkipped = 0;
  let notSettledSkipped = 0;
  const events: BridgeEvent[] = [];
  for (const e of input.events) {
    if (e.duplicate) duplicatesSkipped++;
    else if (!e.settled) notSettledSkipped++;
    else events.push(e);
  }
  // Oldest first: running balances and greedy matching both go forward in time.
  events.sort((a, b) => a.time.getTime() - b.time.getTime());
  const entries = [...input.entries].sort((a, b) => a.postedAt.getTime() - b.postedAt.getTime());
  const pairOf = new Map<BridgeEvent, MatchedPair>();
  const used = new Set<BridgeEntry>();
  const offsetMs = clockOffsetMs(input);

  const byRef = new Map<string, BridgeEntry[]>();
  for (const entry of entries) {
    if (entry.providerRef === null) continue;
    byRef.set(entry.providerRef, [...(byRef.get(entry.providerRef) ?? []), entry]);
  }
  for (const event of events) {
    if (event.providerRef === null) continue;
    const entry = byRef.get(event.providerRef)?.find((x) => !used.has(x));
    if (!entry) continue;
    used.add(entry);
    pairOf.set(event, {
      event,
      entry,
      by: 'provider-ref',
      difference: event.signedAmount - entry.amount,
    });
  }
  for (const event of events) {
    if (pairOf.has(event)) continue;
    let best: BridgeEntry | null = null;
    let bestDistance = Infinity;
    for (const entry of entries) {
      // An entry that names another provider transaction is not this event's.
      if (used.has(entry) || entry.amount !== event.signedAmount) continue;
      if (entry.providerRef !== null && entry.providerRef !== event.providerRef) continue;
      const distance = Math.abs(entry.postedAt.getTime() - (event.time.getTime() + offsetMs));
      if (distance <= input.toleranceMs && distance < bestDistance) {
        best = entry;
        bestDistance = distance;
      }
    }
    if (best) {
      used.add(best);
      pairOf.set(event, { event, entry: best, by: 'amount-time', difference: 0n });
    }
  }
  const matched = events.filter((e) => pairOf.has(e)).map((e) => pairOf.get(e)!);
  const providerOnly = events.filter((e) => !pairOf.has(e));
  const ledgerOnly = entries.filter((e) => !used.has(e));
  const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
  const providerOnlyTotal = sum(providerOnly.map((e) => e.signedAmount));
  const ledgerOnlyTotal = sum(ledgerOnly.map((e) => e.amount));
  const amountDifferenceTotal = sum(matched.map((p) => p.difference));
  const remainder =
    input.providerBalance -
    input.ledgerBalance -
    providerOnlyTotal +
    ledgerOnlyTotal -
    amountDifferenceTotal;
  const inFlight =
    remainder === 0n &&
    providerOnly.length > 0 &&
    ledgerOnly.length === 0 &&
    amountDifferenceTotal === 0n &&
    providerOnly.every(
      (e) => (input.eventsTo ?? input.to).getTime() - e.time.getTime() <= input.inFlightMs,
    );
  return {
    input,
    matched,
    providerOnly,
    ledgerOnly,
    duplicatesSkipped,
    notSettledSkipped,
    providerOnlyTotal,
    ledgerOnlyTotal,
    amountDifferenceTotal,
    remainder,
    firstDivergence: firstDivergence(input, events, entries, pairOf),
    inFlight,
  };
}

/**
 * How far the provider's clock is behind ours at the check (negative: ahead): our as-of minus
 * its time (`to` − `eventsTo`). An event's time plus this is its time on our clock, the one
 * the ledger's entries are posted on; without it a clock minutes behind (within the accepted
 * skew) used up the match tolerance, and a booking and its entry read as two movements. It is
 * non-zero only when the provider's time falls outside its request's span, which
 * reconciliationInstant takes for its clock (PROTOCOL.md: Netzme's `additionalInfo.ts` is its
 * clock), not for a balance stamped earlier: the same assumption as the ledger's read.
 */
function clockOffsetMs(input: BridgeInput): number {
  return input.eventsTo ? input.to.getTime() - input.eventsTo.getTime() : 0;
}

/**
 * The first event after which the provider's running balance (as it reports it) and the
 * ledger's running balance part. The ledger's runs from its balance at the window's start; a
 * matched entry counts at its event (so a booking a few seconds late is no divergence), an
 * unmatched one at its own time. `null` without running balances, or when they never part.
 */
function firstDivergence(
  input: BridgeInput,
  events: BridgeEvent[],
  entries: BridgeEntry[],
  pairOf: Map<BridgeEvent, MatchedPair>,
): Divergence | null {
  const withBalance = events.filter((e) => e.runningBalance !== null);
  if (withBalance.length === 0) return null;
  const ledgerStart = input.ledgerBalance - entries.reduce((a, e) => a + e.amount, 0n);
  const first = withBalance[0];
  // The provider's balance before its first listed event.
  const providerStart = events[0] === first ? first.runningBalance! - first.signedAmount : null;
  if (providerStart !== null && providerStart !== ledgerStart) {
    return { event: null, providerRunning: providerStart, ledgerRunning: ledgerStart };
  }
  const matchedEntries = new Set([...pairOf.values()].map((p) => p.entry));
  let ledgerRunning = ledgerStart;
  let nextEntry = 0;
  const unmatched = entries.filter((e) => !matchedEntries.has(e));
  const offsetMs = clockOffsetMs(input);
  for (const event of events) {
    while (
      nextEntry < unmatched.length &&
      unmatched[nextEntry].postedAt.getTime() <= event.time.getTime() + offsetMs
    ) {
      ledgerRunning += unmatched[nextEntry].amount;
      nextEntry++;
    }
    const pair = pairOf.get(event);
    if (pair) ledgerRunning += pair.entry.amount;
    if (event.runningBalance !== null && event.runningBalance !== ledgerRunning) {
      return { event, providerRunning: event.runningBalance, ledgerRunning };
    }
  }
  return null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** How much of a break its bridge explains. */
export type BridgeOutcome = 'explained' | 'partly-explained' | 'not-explained';

/**
 * `explained`: nothing remains; `partly-explained`: the unmatched movements bring the remainder
 * closer to zero than the difference; `not-explained`: they do not (none found, or they leave
 * as much or more), so an operator is not told a break is partly understood when it is not.
 */
export function bridgeOutcome(b: Bridge): BridgeOutcome {
  if (b.remainder === 0n) return 'explained';
  const difference = b.input.providerBalance - b.input.ledgerBalance;
  return absAmount(b.remainder) < absAmount(difference) ? 'partly-explained' : 'not-explained';
}

/**
 * One line for a report, a discrepancy and its webhook, e.g.
 * `explained: 2 provider-only credits 15000.00; remainder 0.00` (amounts as the API writes them;
 * the pages localize them).
 */
export function bridgeSummary(b: Bridge): string {
  const parts: string[] = [];
  const credits = b.providerOnly.filter((e) => e.signedAmount > 0n);
  const debits = b.providerOnly.filter((e) => e.signedAmount < 0n);
  const total = (xs: BridgeEvent[]) =>
    formatAmount(absAmount(xs.reduce((a, e) => a + e.signedAmount, 0n)));
  if (credits.length)
    parts.push(`${plural(credits.length, 'provider-only credit')} ${total(credits)}`);
  if (debits.length) {
    const fees = debits.filter((e) => e.type !== null && /fee/i.test(e.type)).length;
    parts.push(
      `${plural(debits.length, 'provider-only debit')} ${total(debits)}${fees ? ` (${plural(fees, 'fee')})` : ''}`,
    );
  }
  const entries = (n: number, word: string) => plural(n, word).replace('entrys', 'entries');
  const entryTotal = (xs: BridgeEntry[]) => formatAmount(xs.reduce((a, e) => a + e.amount, 0n));
  const inWindow = b.ledgerOnly.filter((e) => !e.backdated);
  const backdated = b.ledgerOnly.filter((e) => e.backdated);
  if (inWindow.length) {
    parts.push(`${entries(inWindow.length, 'ledger-only entry')} ${entryTotal(inWindow)}`);
  }
  if (backdated.length) {
    parts.push(`${entries(backdated.length, 'back-dated ledger entry')} ${entryTotal(backdated)}`);
  }
  const differing = b.matched.filter((p) => p.difference !== 0n);
  if (differing.length) {
    parts.push(
      `${plural(differing.length, 'amount difference')} ${formatAmount(b.amountDifferenceTotal)}`,
    );
  }
  if (b.duplicatesSkipped) parts.push(`${plural(b.duplicatesSkipped, 'duplicate event')} skipped`);
  const head = bridgeOutcome(b).replace('-', ' ');
  const tail = [`remainder ${formatAmount(b.remainder)}`];
  if (b.inFlight) tail.push('likely money in flight');
  if (b.input.capHit) tail.push(`history page cap ${b.input.maxPages} reached`);
  if (b.remainder !== 0n && b.firstDivergence) {
    const d = b.firstDivergence;
    tail.push(
      d.event
        ? `provider and ledger part after ${d.event.providerRef ?? 'the event'} at ${d.event.time.toISOString()}`
        : 'provider and ledger differ before the first event',
    );
  }
  return `${head}: ${parts.length ? parts.join(', ') : 'no unmatched movements'}; ${tail.join('; ')}`;
}

/** The stored (jsonb) and API form: amounts as decimal strings, times as ISO text. */
export interface AttributionJson {
  outcome: BridgeOutcome;
  summary: string;
  /** `eventsFrom` is absent in bridges stored before it was recorded. */
  window: {
    from: string;
    to: string;
    fromKind: BridgeInput['fromKind'];
    eventsFrom?: string;
    eventsTo?: string;
  };
  ledgerBalance: string;
  providerBalance: string;
  providerOnlyTotal: string;
  ledgerOnlyTotal: string;
  amountDifferenceTotal: string;
  remainder: string;
  matchedCount: number;
  duplicatesSkipped: number;
  notSettledSkipped: number;
  pages: number;
  capHit: boolean;
  maxPages: number;
  inFlight: boolean;
  providerOnly: AttributionEventJson[];
  ledgerOnly: {
    entryRef: string;
    providerRef: string | null;
    postedAt: string;
    amount: string;
    /** Present (true) on an entry back-dated before the window: see {@link BridgeEntry}. */
    backdated?: true;
  }[];
  amountDifferences: {
    providerRef: string | null;
    entryRef: string;
    providerAmount: string;
    ledgerAmount: string;
    difference: string;
  }[];
  firstDivergence: {
    event: AttributionEventJson | null;
    providerRunning: string;
    ledgerRunning: string;
  } | null;
}

export interface AttributionEventJson {
  providerRef: string | null;
  time: string;
  amount: string;
  type: string | null;
  runningBalance: string | null;
}

function eventJson(e: BridgeEvent): AttributionEventJson {
  return {
    providerRef: e.providerRef,
    time: e.time.toISOString(),
    amount: formatAmount(e.signedAmount),
    type: e.type,
    runningBalance: e.runningBalance === null ? null : formatAmount(e.runningBalance),
  };
}

export function bridgeToJson(b: Bridge): AttributionJson {
  return {
    outcome: bridgeOutcome(b),
    summary: bridgeSummary(b),
    window: {
      from: b.input.from.toISOString(),
      to: b.input.to.toISOString(),
      fromKind: b.input.fromKind,
      eventsFrom: (b.input.eventsFrom ?? b.input.from).toISOString(),
      eventsTo: (b.input.eventsTo ?? b.input.to).toISOString(),
    },
    ledgerBalance: formatAmount(b.input.ledgerBalance),
    providerBalance: formatAmount(b.input.providerBalance),
    providerOnlyTotal: formatAmount(b.providerOnlyTotal),
    ledgerOnlyTotal: formatAmount(b.ledgerOnlyTotal),
    amountDifferenceTotal: formatAmount(b.amountDifferenceTotal),
    remainder: formatAmount(b.remainder),
    matchedCount: b.matched.length,
    duplicatesSkipped: b.duplicatesSkipped,
    notSettledSkipped: b.notSettledSkipped,
    pages: b.input.pages,
    capHit: b.input.capHit,
    maxPages: b.input.maxPages,
    inFlight: b.inFlight,
    providerOnly: b.providerOnly.map(eventJson),
    ledgerOnly: b.ledgerOnly.map((e) => ({
      entryRef: e.entryRef,
      providerRef: e.providerRef,
      postedAt: e.postedAt.toISOString(),
      amount: formatAmount(e.amount),
      ...(e.backdated ? { backdated: true as const } : {}),
    })),
    amountDifferences: b.matched
      .filter((p) => p.difference !== 0n)
      .map((p) => ({
        providerRef: p.event.providerRef,
        entryRef: p.entry.entryRef,
        providerAmount: formatAmount(p.event.signedAmount),
        ledgerAmount: formatAmount(p.entry.amount),
        difference: formatAmount(p.difference),
      })),
    firstDivergence: b.firstDivergence
      ? {
          event: b.firstDivergence.event ? eventJson(b.firstDivergence.event) : null,
          providerRunning: formatAmount(b.firstDivergence.providerRunning),
          ledgerRunning: formatAmount(b.firstDivergence.ledgerRunning),
        }
      : null,
  };
}

/**
 * What is stored when attribution could not run (`failed`: why), or when the provider offers
 * no history (`unavailable`, e.g. NICEPay): the result's status is never changed by it.
 */
export interface AttributionFailedJson {
  outcome: 'failed' | 'unavailable';
  summary: string;
}

export type StoredAttribution = AttributionJson | AttributionFailedJson;
