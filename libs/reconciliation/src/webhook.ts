import { createHmac } from 'node:crypto';

/** Header names of a webhook delivery. */
export const WEBHOOK_HEADERS = {
  signature: 'x-snap-recon-signature',
  timestamp: 'x-snap-recon-timestamp',
  event: 'x-snap-recon-event',
  /** The same on every retry of a delivery: the receiver de-duplicates on it. */
  delivery: 'x-snap-recon-delivery',
} as const;

/**
 * `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`: the receiver recomputes it over
 * the raw body and the timestamp header, and rejects stale timestamps to stop replays.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
