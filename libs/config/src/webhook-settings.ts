import { createHash } from 'node:crypto';
import { rememberSecretValue } from '@app/snap';
import type { AppConfig } from './config.schema';

/** Every alert event a webhook URL can subscribe to. */
export const WEBHOOK_EVENTS = [
  'run.finished',
  'run.stalled',
  'provider.unavailable',
  'provider.recovered',
  'discrepancy.opened',
  'discrepancy.reopened',
  'discrepancy.resolved',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Shortest WEBHOOK_SECRET production accepts (HMAC-SHA256 keys: 256 bits of text or more). */
export const MIN_PRODUCTION_WEBHOOK_SECRET = 32;

/** One URL and the events it receives. */
export interface WebhookSubscription {
  /** A short fingerprint of the URL (the URL is a secret: job data and logs carry this instead). */
  id: string;
  url: string;
  events: readonly WebhookEvent[];
}

/** `https://host/…`: what a message may say of a webhook URL (its path often carries a token). */
export function describeWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(unparseable URL)';
  }
}

function subscriberId(url: string): string {
  return `s${createHash('sha256').update(url).digest('hex').slice(0, 10)}`;
}

function parseEvents(text: string, where: string): WebhookEvent[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === '*') return [...WEBHOOK_EVENTS];
  const unknown = names.filter((n) => !(WEBHOOK_EVENTS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new Error(
      `${where}: ${unknown.length ? `unknown event ${unknown.map((u) => JSON.stringify(u)).join(', ')}` : 'no event'}; use * or one or more of ${WEBHOOK_EVENTS.join(', ')}`,
    );
  return [...new Set(names)] as WebhookEvent[];
}

/**
 * The webhook subscriptions of a config: `WEBHOOK_URL` with `WEBHOOK_EVENTS` (default every
 * event), then each `events=url` of `WEBHOOK_SUBSCRIPTIONS` (`;`-separated); a URL given twice
 * is one subscription to the events of both. Throws naming the setting (never the URL) when one
 * is malformed.
 */
export function webhookSubscriptions(
  config: Pick<AppConfig, 'WEBHOOK_URL' | 'WEBHOOK_EVENTS' | 'WEBHOOK_SUBSCRIPTIONS'>,
): WebhookSubscription[] {
  return mergeSameUrl(subscriptionEntries(config));
}

/** Each entry of the settings as written, before one URL's entries are merged. */
function subscriptionEntries(
  config: Pick<AppConfig, 'WEBHOOK_URL' | 'WEBHOOK_EVENTS' | 'WEBHOOK_SUBSCRIPTIONS'>,
): WebhookSubscription[] {
  const subscriptions: WebhookSubscription[] = [];
  // Read even without WEBHOOK_URL: a misspelt event beside WEBHOOK_SUBSCRIPTIONS alone was
  // ignored without a word. Empty or blank is the default, every event.
  const urlEvents = parseEvents(config.WEBHOOK_EVENTS.trim() || '*', 'WEBHOOK_EVENTS');
  if (config.WEBHOOK_URL)
    subscriptions.push({
      id: subscriberId(config.WEBHOOK_URL),
      url: config.WEBHOOK_URL,
      events: urlEvents,
    });
  const entries = config.WEBHOOK_SUBSCRIPTIONS.split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  entries.forEach((entry, i) => {
    const where = `WEBHOOK_SUBSCRIPTIONS entry ${i + 1}`;
    const eq = entry.indexOf('=');
    if (eq < 0)
      throw new Error(
        `${where}: must be events=URL (e.g. run.stalled,provider.unavailable=https://…)`,
      );
    const url = entry.slice(eq + 1).trim();
    if (!/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url))
      throw new Error(`${where}: the URL must be an http(s) URL`);
    subscriptions.push({
      id: subscriberId(url),
      url,
      events: parseEvents(entry.slice(0, eq), where),
    });
  });
  return subscriptions;
}

/**
 * One subscription per URL, with the events of every entry naming it (in the order first
 * given): a subscriber is its URL, with one delivery queue and one id (the first spelling's).
 * URLs that differ only in spelling (`HTTPS://Example.com:443/h` and `https://example.com/h`)
 * are one URL. The id is the hash of the spelling, so every process must spell a URL alike.
 */
function mergeSameUrl(subscriptions: WebhookSubscription[]): WebhookSubscription[] {
  const byUrl = new Map<string, WebhookSubscription>();
  for (const s of subscriptions) {
    const url = URL.canParse(s.url) ? new URL(s.url).href : s.url;
    const seen = byUrl.get(url);
    byUrl.set(url, seen ? { ...seen, events: [...new Set([...seen.events, ...s.events])] } : s);
  }
  return [...byUrl.values()];
}

/**
 * Checks the webhook settings at start-up and remembers each URL as a secret (redacted from
 * every log line): a subscription needs WEBHOOK_SECRET; an attempt's WEBHOOK_TIMEOUT_MS must
 * fit in SHUTDOWN_TIMEOUT_MS; in production every URL must be https and the secret at least
 * {@link MIN_PRODUCTION_WEBHOOK_SECRET} characters. Returns the problems, each naming the
 * setting and never a URL or the secret.
 */
export function webhookSettingProblems(config: AppConfig): string[] {
  let entries: WebhookSubscription[];
  try {
    entries = subscriptionEntries(config);
  } catch (e) {
    return [(e as Error).message];
  }
  // Every spelling is a secret, the ones merged away included.
  for (const s of entries) rememberSecretValue(s.url);
  const subscriptions = mergeSameUrl(entries);
  if (subscriptions.length === 0) return [];
  const problems: string[] = [];
  if (!config.WEBHOOK_SECRET)
    problems.push('WEBHOOK_SECRET: required when WEBHOOK_URL is set (deliveries are signed)');
  // A worker's stop waits for the delivery in flight, and the stop window is sized from
  // SHUTDOWN_TIMEOUT_MS (docker-compose's stop_grace_period, Kubernetes'
  // terminationGracePeriodSeconds): a longer attempt would be killed mid-delivery.
  if (config.WEBHOOK_TIMEOUT_MS > config.SHUTDOWN_TIMEOUT_MS)
    problems.push(
      `WEBHOOK_TIMEOUT_MS=${config.WEBHOOK_TIMEOUT_MS}: must not exceed SHUTDOWN_TIMEOUT_MS=${config.SHUTDOWN_TIMEOUT_MS}, ` +
        'the graceful stop window: a worker stopping mid-delivery would be killed before the attempt ends',
    );
  if (config.NODE_ENV !== 'development') {
    const plain = subscriptions.filter(
      (s) => !URL.canParse(s.url) || new URL(s.url).protocol !== 'https:',
    );
    if (plain.length > 0)
      problems.push(
        `WEBHOOK_URL / WEBHOOK_SUBSCRIPTIONS: ${plain.length} URL(s) not https (${plain.map((s) => describeWebhookUrl(s.url)).join(', ')}); production sends alerts over TLS only`,
      );
    if (config.WEBHOOK_SECRET && config.WEBHOOK_SECRET.length < MIN_PRODUCTION_WEBHOOK_SECRET)
      problems.push(
        `WEBHOOK_SECRET: (secret, not shown) has ${config.WEBHOOK_SECRET.length} characters; production needs at least ${MIN_PRODUCTION_WEBHOOK_SECRET}`,
      );
  }
  return problems;
}
