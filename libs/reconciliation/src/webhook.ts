import { createHmac } from 'node:crypto';
import type { DiscrepancyView } from './discrepancies';

/** Header names of a webhook delivery. */
export const WEBHOOK_HEADERS = {
  signature: 'x-snap-recon-signature',
  timestamp: 'x-snap-recon-timestamp',
  event: 'x-snap-recon-event',
} as const;

/**
 * `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`: the receiver recomputes it over
 * the raw body and the timestamp header, and rejects stale timestamps to stop replays.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The JSON body announcing a newly opened discrepancy. */
export function discrepancyOpenedBody(discrepancy: DiscrepancyView): string {
  return JSON.stringify({ event: 'discrepancy.opened', discrepancy });
}
