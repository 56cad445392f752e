import type { WebhookEvent } from '@app/config';
import type { Actor } from '../audit-log';
import type { DiscrepancyView } from '../discrepancies';
import type { RunView } from '../run-report';

export { WEBHOOK_EVENTS as ALERT_EVENTS } from '@app/config';
export type AlertEvent = WebhookEvent;

/** What every delivery's JSON body starts with. */
export interface AlertEnvelope<E extends AlertEvent> {
  event: E;
  /** The same in the `X-Snap-Recon-Delivery` header, on every retry: receivers de-duplicate on it. */
  deliveryId: string;
  /** ISO 8601 instant the event happened (not when this attempt was sent). */
  occurredAt: string;
}

/** The data of each event, beside the envelope. */
export interface AlertData {
  /** A run finished: its counts per status and provider, totals of breaks. */
  'run.finished': { run: RunView };
  /** A run is still running `deadlineSeconds` after it started (sent once per run). */
  'run.stalled': { run: RunView; deadlineSeconds: number };
  /** The provider's calls are held off (its circuit breaker opened). */
  'provider.unavailable': { provider: string; reason: string };
  /** The provider takes calls again. */
  'provider.recovered': { provider: string; reason: string };
  /** A confirmed break opened a discrepancy. */
  'discrepancy.opened': { discrepancy: DiscrepancyView };
  /**
   * Run `runId` found an acknowledged discrepancy's difference more than RECON_TOLERANCE away
   * from the one acknowledged (`discrepancy.acknowledgedDifference`) and put it back to `open`.
   */
  'discrepancy.reopened': { discrepancy: DiscrepancyView; runId: string };
  /** A discrepancy was resolved by a person (`resolvedBy`) or because its account matched again (`null`). */
  'discrepancy.resolved': { discrepancy: DiscrepancyView; resolvedBy: Actor | null };
}

export type AlertBody<E extends AlertEvent> = AlertEnvelope<E> & AlertData[E];

/** The delivery id of an event: deterministic, so a repeated publish is one delivery. */
export function alertDeliveryId(event: AlertEvent, subject: string): string {
  return `${event}-${subject}`;
}

/**
 * How long a receiver should accept a delivery: reject an `X-Snap-Recon-Timestamp` more than
 * this many seconds from its clock (a replayed request), and remember delivery ids for at least
 * {@link WEBHOOK_DEDUP_SECONDS} (retries of one delivery span at most 68 minutes).
 */
export const WEBHOOK_REPLAY_WINDOW_SECONDS = 300;
export const WEBHOOK_DEDUP_SECONDS = 2 * 3600;
