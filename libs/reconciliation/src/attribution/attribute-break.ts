import type { DataSource } from 'typeorm';
import { fetchHistory, SnapClient } from '@app/snap';
import { lastMatch, ledgerEntriesBetween } from './attribution-window';
import { AttributionJson, bridgeToJson, buildBridge } from './bridge';

/** How attribution looks (from the README's configuration table). */
export interface AttributionSettings {
  /** Window start when the account never matched before: this long before the check. */
  lookBackMs: number;
  /** Largest time distance of a match by amount and time. */
  toleranceMs: number;
  /** Provider-only items this recent may be money in flight. */
  inFlightMs: number;
  /** History pages per account at most; `undefined`: the provider profile's. */
  maxPages?: number;
}

/** The break to explain: the account and the result's balances and instant. */
export interface BreakToExplain {
  accountId: string;
  accountNo: string;
  currency: string;
  providerBalance: bigint;
  ledgerBalance: bigint;
  /** The instant the check's ledger was read as of (our clock). */
  asOf: Date;
  /** The provider's own time of its balance, where it gave one (its clock). */
  providerTime: Date | null;
}

/** True when the client's provider offers a history that is switched on. */
export function hasHistory(client: SnapClient): boolean {
  return client.profile.capabilities.history && client.profile.history !== null;
}

/**
 * Explains one break (`mismatched`, or `inactive` with a difference) from the provider's
 * history: fetches the events from the account's last matched check (or the look-back) to the
 * check's provider time, through the client (its rate limiter and signing), reads the ledger
 * entries of the same window and builds the bridge. From a last match, the ledger entries
 * back-dated into it (posted at or before its as-of, stored after it was recorded: that check
 * did not see them, today's ledger balance does) are read too and listed as back-dated. Throws
 * on any failure; the caller records it without touching the status.
 */
export async function attributeBreak(
  ds: DataSource,
  client: SnapClient,
  brk: BreakToExplain,
  settings: AttributionSettings,
): Promise<AttributionJson> {
  const history = client.profile.history;
  if (!hasHistory(client) || !history) {
    throw new Error(`${client.profile.provider} offers no transaction history`);
  }
  const match = await lastMatch(ds, brk.accountId, brk.asOf);
  const lookBackFrom = new Date(brk.asOf.getTime() - settings.lookBackMs);
  const fromMatch = match !== null && match.asOf > lookBackFrom;
  const from = fromMatch ? match.asOf : lookBackFrom;
  // The provider's events are on its clock: from that match's own time where it gave one, up
  // to this check's. The as-ofs are on ours (see reconciliationInstant): on a provider clock
  // behind ours, events booked between its times and our as-ofs would be lost or taken in.
  const eventsFrom = fromMatch ? (match.providerTime ?? match.asOf) : lookBackFrom;
  const eventsTo = brk.providerTime ?? brk.asOf;
  const maxPages = settings.maxPages ?? history.maxPagesPerAccount;
  const window = await fetchHistory(client, {
    accountNo: brk.accountNo,
    currency: brk.currency,
    from: eventsFrom,
    to: eventsTo,
    maxPages,
  });
  // fetchHistory keeps from <= time; the ledger window is from < posted_at: the same for events.
  const events = window.events.filter((e) => e.time > eventsFrom);
  const entries = await ledgerEntriesBetween(
    ds,
    brk.accountId,
    from,
    brk.asOf,
    // Back-dated into the matched span, but no further back than the look-back reaches.
    fromMatch ? { storedAfter: match.checkedAt, postedAfter: lookBackFrom } : null,
  );
  const bridge = buildBridge({
    providerBalance: brk.providerBalance,
    ledgerBalance: brk.ledgerBalance,
    from,
    to: brk.asOf,
    fromKind: fromMatch ? 'last-matched' : 'look-back',
    eventsFrom,
    eventsTo,
    events,
    entries,
    toleranceMs: settings.toleranceMs,
    inFlightMs: settings.inFlightMs,
    pages: window.pages,
    capHit: window.capHit,
    maxPages,
  });
  return bridgeToJson(bridge);
}
