import { redactSecretValues } from '@app/snap';
import { configSchema } from './config.schema';
import { loadConfig } from './load-config';
import {
  describeWebhookUrl,
  webhookSettingProblems,
  webhookSubscriptions,
} from './webhook-settings';

const SECRET_32 = 'x'.repeat(32);
const settings = (env: Record<string, string>) => configSchema.parse(env);

describe('webhook settings', () => {
  it('subscribes WEBHOOK_URL to every event by default, and each WEBHOOK_SUBSCRIPTIONS URL to its own', () => {
    const subs = webhookSubscriptions(
      settings({
        WEBHOOK_URL: 'https://oncall.example/a',
        WEBHOOK_SUBSCRIPTIONS:
          ' run.stalled , provider.unavailable=https://pager.example/b ; *=https://all.example/c',
      }),
    );
    expect(subs.map((s) => [s.url, s.events.length])).toEqual([
      ['https://oncall.example/a', 7],
      ['https://pager.example/b', 2],
      ['https://all.example/c', 7],
    ]);
    expect(subs[1].events).toEqual(['run.stalled', 'provider.unavailable']);
    expect(new Set(subs.map((s) => s.id)).size).toBe(3);
    expect(subs[0].id).not.toContain('oncall');
  });

  it('a URL given twice is one subscriber (one id, one delivery queue) to the events of both', () => {
    const subs = webhookSubscriptions(
      settings({
        WEBHOOK_URL: 'https://oncall.example/a',
        WEBHOOK_EVENTS: 'run.stalled',
        WEBHOOK_SUBSCRIPTIONS:
          'provider.unavailable=https://pager.example/b;run.finished,run.stalled=https://oncall.example/a',
      }),
    );
    expect(subs.map((s) => [s.url, s.events])).toEqual([
      ['https://oncall.example/a', ['run.stalled', 'run.finished']],
      ['https://pager.example/b', ['provider.unavailable']],
    ]);
    // Spelt differently (scheme and host case, the default port): the same URL, the first id.
    const spelt = webhookSubscriptions(
      settings({
        WEBHOOK_URL: 'https://Example.com/h/T',
        WEBHOOK_EVENTS: 'run.stalled',
        WEBHOOK_SUBSCRIPTIONS: 'run.finished=HTTPS://example.com:443/h/T',
      }),
    );
    expect(spelt).toHaveLength(1);
    expect(spelt[0].events).toEqual(['run.stalled', 'run.finished']);
    expect(spelt[0].id).toBe(
      webhookSubscriptions(settings({ WEBHOOK_URL: 'https://Example.com/h/T' }))[0].id,
    );
    // The spelling merged away is a secret too: redacted from log lines like the kept one.
    webhookSettingProblems(
      settings({
        WEBHOOK_URL: 'https://Example.com/h/T0kenA',
        WEBHOOK_SUBSCRIPTIONS: 'run.finished=HTTPS://example.com:443/h/T0kenA',
        WEBHOOK_SECRET: SECRET_32,
      }),
    );
    expect(redactSecretValues('sent to HTTPS://example.com:443/h/T0kenA')).not.toContain('T0kenA');
  });

  it('names a bad entry and event, never the URL', () => {
    const bad = (env: Record<string, string>) =>
      webhookSettingProblems(settings({ WEBHOOK_SECRET: SECRET_32, ...env })).join('\n');
    expect(bad({ WEBHOOK_URL: 'https://h.example/t0ken', WEBHOOK_EVENTS: 'run.finish' })).toBe(
      'WEBHOOK_EVENTS: unknown event "run.finish"; use * or one or more of run.finished, run.stalled, provider.unavailable, provider.recovered, discrepancy.opened, discrepancy.reopened, discrepancy.resolved',
    );
    // Without WEBHOOK_URL too: it was ignored without a word (found by a review).
    expect(
      bad({
        WEBHOOK_EVENTS: 'run.finishd',
        WEBHOOK_SUBSCRIPTIONS: 'run.stalled=https://h.example/t0ken',
      }),
    ).toMatch(/^WEBHOOK_EVENTS: unknown event "run.finishd"; use \* or one or more of/);
    expect(bad({ WEBHOOK_EVENTS: 'run.finishd' })).toMatch(/^WEBHOOK_EVENTS: unknown event/);
    for (const blank of ['', ' '])
      expect(
        bad({
          WEBHOOK_EVENTS: blank,
          WEBHOOK_SUBSCRIPTIONS: 'run.stalled=https://h.example/t0ken',
        }),
      ).toBe('');
    expect(bad({ WEBHOOK_SUBSCRIPTIONS: 'https://h.example/t0ken' })).toMatch(
      /^WEBHOOK_SUBSCRIPTIONS entry 1: must be events=URL/,
    );
    expect(bad({ WEBHOOK_SUBSCRIPTIONS: 'run.stalled=ftp://h.example/t0ken' })).toBe(
      'WEBHOOK_SUBSCRIPTIONS entry 1: the URL must be an http(s) URL',
    );
  });

  it('in production refuses a plain-http URL and a secret under 32 characters, showing neither', () => {
    const problems = webhookSettingProblems(
      settings({
        NODE_ENV: 'production',
        WEBHOOK_URL: 'http://hooks.example/services/T0KEN',
        WEBHOOK_SECRET: 'short-secret-123',
      }),
    );
    expect(problems).toEqual([
      'WEBHOOK_URL / WEBHOOK_SUBSCRIPTIONS: 1 URL(s) not https (http://hooks.example/…); production sends alerts over TLS only',
      'WEBHOOK_SECRET: (secret, not shown) has 16 characters; production needs at least 32',
    ]);
    expect(
      webhookSettingProblems(
        settings({
          NODE_ENV: 'production',
          WEBHOOK_URL: 'https://hooks.example/services/T0KEN',
          WEBHOOK_SECRET: SECRET_32,
        }),
      ),
    ).toEqual([]);
    // Development keeps http (a receiver on localhost) and short secrets.
    expect(
      webhookSettingProblems(
        settings({
          NODE_ENV: 'development',
          WEBHOOK_URL: 'http://127.0.0.1:9/h',
          WEBHOOK_SECRET: 'dev',
        }),
      ),
    ).toEqual([]);
  });

  it('refuses an attempt longer than the graceful stop window, naming both settings and their values', () => {
    const problems = (env: Record<string, string>) =>
      webhookSettingProblems(
        settings({ WEBHOOK_URL: 'https://h.example/t0ken', WEBHOOK_SECRET: SECRET_32, ...env }),
      );
    const why =
      'the graceful stop window: a worker stopping mid-delivery would be killed before the attempt ends';
    expect(problems({ WEBHOOK_TIMEOUT_MS: '45000', SHUTDOWN_TIMEOUT_MS: '30000' })).toEqual([
      `WEBHOOK_TIMEOUT_MS=45000: must not exceed SHUTDOWN_TIMEOUT_MS=30000, ${why}`,
    ]);
    // The default attempt (10 s) against a shorter window, through loadConfig.
    expect(() =>
      loadConfig({
        SHUTDOWN_TIMEOUT_MS: '5000',
        WEBHOOK_SUBSCRIPTIONS: 'run.stalled=https://h.example/t0ken',
        WEBHOOK_SECRET: SECRET_32,
      }),
    ).toThrow(`WEBHOOK_TIMEOUT_MS=10000: must not exceed SHUTDOWN_TIMEOUT_MS=5000, ${why}`);
    // An attempt that fits, up to the whole window.
    expect(problems({ WEBHOOK_TIMEOUT_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000' })).toEqual([]);
    // Without a subscription no delivery is ever made: a short window alone is fine.
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '3000' })).toMatchObject({
      SHUTDOWN_TIMEOUT_MS: 3000,
      WEBHOOK_TIMEOUT_MS: 10000,
    });
  });

  it('keeps the URL out of config errors: a bad WEBHOOK_URL is a secret setting', () => {
    expect(() => loadConfig({ WEBHOOK_URL: 'not a url/T0KEN' })).toThrow(
      'WEBHOOK_URL=(secret, not shown)',
    );
    expect(() => loadConfig({ WEBHOOK_URL: 'not a url/T0KEN' })).not.toThrow(/T0KEN/);
    expect(describeWebhookUrl('https://hooks.slack.com/services/T0/B0/XYZ')).toBe(
      'https://hooks.slack.com/…',
    );
  });
});
