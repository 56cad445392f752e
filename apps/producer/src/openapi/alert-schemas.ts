import { z } from 'zod';
import { ALERT_EVENTS, WEBHOOK_HEADERS, WEBHOOK_REPLAY_WINDOW_SECONDS } from '@app/reconciliation';
import { registry } from './registry';
import { Discrepancy, RunView } from './response-schemas';

/**
 * The alert webhooks' bodies (libs/reconciliation/src/alerts/alert-events.ts builds them), as
 * OpenAPI 3.1 `webhooks`; test/alerts/alerts.test.ts parses every delivery against them.
 */
const envelope = <E extends (typeof ALERT_EVENTS)[number]>(event: E) => ({
  event: z.literal(event),
  deliveryId: z
    .string()
    .describe(
      'The same on every retry and in the X-Snap-Recon-Delivery header: de-duplicate on it.',
    ),
  occurredAt: z.string().datetime().describe('When the event happened (not this attempt).'),
});

const actor = z.object({ name: z.string(), role: z.string() });

export const ALERT_BODIES = {
  'run.finished': z.object({ ...envelope('run.finished'), run: RunView }),
  'run.stalled': z.object({
    ...envelope('run.stalled'),
    run: RunView,
    deadlineSeconds: z.number().int().describe('RUN_DEADLINE_SECONDS.'),
  }),
  'provider.unavailable': z.object({
    ...envelope('provider.unavailable'),
    provider: z.string(),
    reason: z.string(),
  }),
  'provider.recovered': z.object({
    ...envelope('provider.recovered'),
    provider: z.string(),
    reason: z.string(),
  }),
  'discrepancy.opened': z.object({ ...envelope('discrepancy.opened'), discrepancy: Discrepancy }),
  'discrepancy.reopened': z.object({
    ...envelope('discrepancy.reopened'),
    discrepancy: Discrepancy,
    runId: z
      .string()
      .describe(
        'The run that found the difference more than RECON_TOLERANCE away from discrepancy.acknowledgedDifference.',
      ),
  }),
  'discrepancy.resolved': z.object({
    ...envelope('discrepancy.resolved'),
    discrepancy: Discrepancy,
    resolvedBy: actor.nullable().describe('The person, or null when the account matched again.'),
  }),
} as const;

const headers = z.object({
  [WEBHOOK_HEADERS.event]: z.enum(ALERT_EVENTS),
  [WEBHOOK_HEADERS.delivery]: z.string(),
  [WEBHOOK_HEADERS.timestamp]: z
    .string()
    .regex(/^\d+$/)
    .describe(
      `Unix seconds of this attempt; reject one more than ${WEBHOOK_REPLAY_WINDOW_SECONDS} s from your clock.`,
    ),
  [WEBHOOK_HEADERS.signature]: z
    .string()
    .regex(/^sha256=[0-9a-f]{64}$/)
    .describe('sha256=<hex HMAC-SHA256(WEBHOOK_SECRET, timestamp + "." + raw body)>'),
});

for (const event of ALERT_EVENTS) {
  const name = event.replace(/(^|\.)(\w)/g, (_, __, c: string) => c.toUpperCase());
  registry.registerWebhook({
    method: 'post',
    path: event,
    summary: `Alert: ${event}`,
    description:
      'Sent to every URL subscribed to this event (WEBHOOK_URL with WEBHOOK_EVENTS, WEBHOOK_SUBSCRIPTIONS). ' +
      'A non-2xx answer is retried 12 times with exponential backoff and jitter, over 34 to 68 minutes.',
    request: {
      headers,
      body: {
        content: {
          'application/json': { schema: registry.register(`${name}Alert`, ALERT_BODIES[event]) },
        },
      },
    },
    responses: { 200: { description: 'Any 2xx: delivered.' } },
  });
}
