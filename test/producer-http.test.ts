import type { INestApplication } from '@nestjs/common';
import pino from 'pino';
import { loadConfig, webhookSubscriptions } from '@app/config';
import IORedis from 'ioredis';
import { queuePrefix } from '@app/infra';
import { JOB, webhookQueueName, webhookSubscribersKey } from '@app/queue';
import { Queue, Worker } from 'bullmq';
import { assertApiCredentials } from '../apps/producer/src/auth/credentials-check';
import { createProducerApp } from '../apps/producer/src/producer-app';
import { deleteRedisKeys } from './support/redis-cleanup';
import { createTestDatabase } from './support/test-database';
import { testConfig } from './support/test-config';

const API_KEY = 'test-api-key-0123456789abcdef';
const PASSWORD = 'test-password-!23';

describe('producer HTTP: auth, health, metrics, Bull Board', () => {
  const config = testConfig({
    API_KEYS: API_KEY,
    BASIC_AUTH_USER: 'ops',
    BASIC_AUTH_PASSWORD: PASSWORD,
    // A subscriber (nothing listens there): its delivery queue is one of the product's.
    WEBHOOK_URL: 'http://127.0.0.1:9/hooks/producer-http',
    WEBHOOK_SECRET: 'producer-http-webhook-secret-0123456789',
  });
  const subscriberQueue = webhookQueueName(webhookSubscriptions(config)[0].id);
  /** A subscriber alerts were once published to, no longer in the settings. */
  const removedQueue = webhookQueueName('s0000000001');
  const subscribersKey = webhookSubscribersKey(queuePrefix(config));
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase(config);
    // Three subscribers recorded in Redis that the settings no longer have: one with an alert
    // still queued, one whose queue is empty, one whose queue holds only a delivered alert.
    const redis = new IORedis(config.REDIS_URL, { maxRetriesPerRequest: null });
    await redis.sadd(subscribersKey, 's0000000001', 's0000000002', 's0000000003');
    const prefix = queuePrefix(config);
    const alert = (subscriber: string) => ({
      event: 'run.stalled' as const,
      deliveryId: 'run.stalled-1',
      subscriber,
      body: '{}',
    });
    const removed = new Queue(removedQueue, { connection: redis, prefix });
    await removed.add(JOB.alertWebhook, alert('s0000000001'));
    await removed.close();
    const delivered = new Queue(webhookQueueName('s0000000003'), { connection: redis, prefix });
    const done = await delivered.add(JOB.alertWebhook, alert('s0000000003'));
    const worker = new Worker(delivered.name, async () => undefined, { connection: redis, prefix });
    for (let i = 0; i < 100 && (await done.getState()) !== 'completed'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await done.getState()).toBe('completed');
    await worker.close();
    await delivered.close();
    redis.disconnect();
    app = await createProducerApp(config, pino({ level: 'silent' }));
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  const basic = (user: string, password: string) => ({
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(url + path, { headers });

  it('answers /health without credentials: Postgres, Redis and queue lag up', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      info: Record<string, { lagSeconds?: unknown }>;
    };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.info)).toEqual(['postgres', 'redis', 'queues']);
    expect(body.info.queues.lagSeconds).toEqual({ netzme: 0, nicepay: 0, finnet: 0, midtrans: 0 });
  });

  it.each([
    ['GET', '/runs/1'],
    ['POST', '/runs'],
    ['POST', '/ledger/entries'],
    ['GET', '/metrics'],
    ['GET', '/queues'],
    ['GET', '/queues/api/queues'],
    ['GET', '/discrepancies'],
    ['GET', '/discrepancies/1'],
    ['POST', '/discrepancies/1/acknowledge'],
    ['POST', '/discrepancies/1/resolve'],
    ['GET', '/ui/discrepancies'],
    ['POST', '/ui/discrepancies/1/resolve'],
  ])('refuses %s %s without credentials, with no detail', async (method, path) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="snap-recon"');
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'credentials required',
    });
  });

  it.each([
    ['a wrong API key', { 'x-api-key': 'wrong-key-0123456789' }],
    ['a wrong password', basic('ops', 'nope')],
    ['a wrong user', basic('admin', PASSWORD)],
    ['the development password when one is configured', basic('ops', 'snap-recon-dev')],
  ])('refuses %s', async (_what, headers) => {
    expect(
      (
        await fetch(`${url}/runs`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(401);
  });

  it('accepts an API key or basic auth', async () => {
    const byKey = await fetch(`${url}/runs`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(byKey.status).toBe(202);
    const { runId } = (await byKey.json()) as { runId: string };
    const byBasic = await get(`/runs/${runId}`, basic('ops', PASSWORD));
    expect(byBasic.status).toBe(200);
    expect(((await byBasic.json()) as { status: string }).status).toBe('finished'); // no account: finished at once
  });

  it('takes the basic scheme in any letter case (RFC 9110: a scheme is case-insensitive); `basic` and `BASIC` were refused as wrong credentials', async () => {
    const token = Buffer.from(`ops:${PASSWORD}`).toString('base64');
    for (const authorization of [`basic ${token}`, `BASIC ${token}`])
      expect((await get('/runs', { authorization })).status).toBe(200);
    expect((await get('/runs', { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('serves Prometheus metrics with the jobs of every queue by state (a removed subscriber’s that holds alerts too)', async () => {
    const res = await get('/metrics', { 'x-api-key': API_KEY });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(
      'bullmq_jobs{queue="balance-inquiry-netzme",state="waiting",app="producer"} 0',
    );
    expect(text).toContain(
      'bullmq_jobs{queue="discrepancy-webhooks",state="failed",app="producer"} 0',
    );
    expect(text).toContain(
      `bullmq_jobs{queue="${subscriberQueue}",state="failed",app="producer"} 0`,
    );
    expect(text).toContain('process_resident_memory_bytes');
    // A removed subscriber's queue still holding an alert is counted too, once listed (the
    // producer looks for them once Redis is ready, after it starts).
    const removedLine = `bullmq_jobs{queue="${removedQueue}",state="waiting",app="producer"} 1`;
    let scraped = text;
    for (let i = 0; i < 100 && !scraped.includes(removedLine); i++) {
      await new Promise((r) => setTimeout(r, 50));
      scraped = await (await get('/metrics', { 'x-api-key': API_KEY })).text();
    }
    expect(scraped).toContain(removedLine);
  });

  it('serves Bull Board with every queue (the webhook subscriber’s own, and a removed subscriber’s recorded in Redis that holds jobs) behind the same credentials', async () => {
    const page = await get('/queues', basic('ops', PASSWORD));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    // The removed subscribers' queues are looked at once Redis is ready, after the app starts.
    const listed = async () => {
      const api = await get('/queues/api/queues', { 'x-api-key': API_KEY });
      expect(api.status).toBe(200);
      return ((await api.json()) as { queues: { name: string }[] }).queues
        .map((q) => q.name)
        .sort();
    };
    let names = await listed();
    for (let i = 0; i < 100 && !names.includes(removedQueue); i++) {
      await new Promise((r) => setTimeout(r, 50));
      names = await listed();
    }
    expect(names).toEqual([
      'balance-inquiry-finnet',
      'balance-inquiry-midtrans',
      'balance-inquiry-netzme',
      'balance-inquiry-nicepay',
      'discrepancy-webhooks',
      removedQueue,
      subscriberQueue,
      'reconciliation-schedule',
    ]);
    // The ones whose queue held nothing undelivered are forgotten and not listed; the one with
    // an alert stays recorded.
    const redis = new IORedis(config.REDIS_URL);
    try {
      const recorded = await redis.smembers(subscribersKey);
      expect(recorded).toContain('s0000000001');
      expect(recorded).not.toContain('s0000000002');
      expect(recorded).not.toContain('s0000000003');
    } finally {
      redis.disconnect();
    }
  });

  it('refuses to start in production without API credentials, and starts with them', () => {
    expect(() => assertApiCredentials(loadConfig({ NODE_ENV: 'production' }))).toThrow(
      /API_KEYS, BASIC_AUTH_PASSWORD or BASIC_AUTH_USERS/,
    );
    expect(() =>
      assertApiCredentials(
        loadConfig({ NODE_ENV: 'production', BASIC_AUTH_PASSWORD: 'x'.repeat(20) }),
      ),
    ).not.toThrow();
  });
});
